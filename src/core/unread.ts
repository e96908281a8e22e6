import { readFloor, type Conversation } from './member-state.js';
import type { Storage } from './ports/storage.js';

/** Unread counts stop at this many: a badge needs no exact count past it, and counting costs a read per message. */
export const UNREAD_CAP = 1000;

/**
 * Unread counts, computed from the member's read mark and the group's message ids (nothing is counted when a
 * message is sent, so a send costs the same in a group of 3 and one of 10 000). A count is kept for as long as the
 * group's last message time stays the same: a new message changes that time, so a kept count is never used past
 * the message that would change it. `maxEntries` 0 keeps none (every count is read from storage).
 */
export class UnreadCounter {
  private readonly kept = new Map<string, { lastMessageTime: number; count: number }>();
  /** Bumped when a group loses a message: its kept counts (keyed with the old value) are not used again. */
  private readonly epochs = new Map<string, number>();

  constructor(private readonly storage: Storage, private readonly maxEntries: number) {}

  /** The member's unread messages (capped), plus one for a bookmark; 0 for a kicked member. */
  async unread(c: Conversation): Promise<number> {
    if (c.member.state.kicked) return 0;
    return (await this.messagesAfterRead(c)) + (c.member.state.bookmark ? 1 : 0);
  }

  /** Messages newer than what the member read or deleted, up to UNREAD_CAP. */
  async messagesAfterRead({ group, member }: Conversation): Promise<number> {
    const floor = readFloor(member);
    if (group.lastMessageTime <= floor) return 0; // the common case of a read conversation: no read at all
    if (this.maxEntries === 0) return this.storage.countMessagesAfter(group.groupId, floor, UNREAD_CAP);
    const key = `${group.groupId}|${floor}|${this.epochs.get(group.groupId) ?? 0}`;
    const hit = this.kept.get(key);
    if (hit && hit.lastMessageTime === group.lastMessageTime) return hit.count;
    const count = await this.storage.countMessagesAfter(group.groupId, floor, UNREAD_CAP);
    this.kept.delete(key); // re-inserted last: the Map's order is the eviction order
    this.kept.set(key, { lastMessageTime: group.lastMessageTime, count });
    if (this.kept.size > this.maxEntries) this.kept.delete(this.kept.keys().next().value!);
    return count;
  }

  /** A message was deleted: counts kept for the group are stale (in this process; others see it at the next message). */
  forget(groupId: string): void {
    // Bounded like the counts: past the limit both start afresh (epoch 0 would otherwise match old counts again).
    if (this.epochs.size >= Math.max(this.maxEntries, 1000)) {
      this.epochs.clear();
      this.kept.clear();
    }
    this.epochs.set(groupId, (this.epochs.get(groupId) ?? 0) + 1);
  }
}
