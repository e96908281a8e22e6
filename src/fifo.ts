/**
 * A first-in-first-out line that takes from its head in constant time. `Array.prototype.shift` moves every element
 * left on each call (with a GC write barrier per slot), so a line thousands long, as a queue's backlog under load,
 * costs thousands of moves per entry taken; here the taken slots are dropped in one splice once they are the larger
 * half.
 */
export class Fifo<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Puts an item back in front (a retry goes before what waits). */
  unshift(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }

  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined; // no longer held: collectable
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }
}
