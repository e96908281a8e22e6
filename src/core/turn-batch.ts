interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Items handed in by concurrent requests during one turn of the event loop, written together at its end: many
 * requests' writes leave as a few statements or scripts instead of one round trip each, which is what a server
 * (Cassandra, Redis) pays for per request. Alone, an item waits for nothing but the end of the turn.
 * `write` gets the turn's items in the order they came and gives one promise per item (items written together
 * share one).
 */
export class TurnBatch<T, R> {
  private waiting: Array<Waiting<T, R>> = [];

  constructor(private readonly write: (items: T[]) => Array<Promise<R>>) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => this.flush());
      this.waiting.push({ item, resolve, reject });
    });
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    let results: Array<Promise<R>>;
    try {
      results = this.write(batch.map((w) => w.item));
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) => results[i]!.then(w.resolve, w.reject));
  }
}

/**
 * Groups items by key (keeping their order within a key) into chunks of at most `maxItems` items and `maxBytes`
 * (an item larger than that makes a chunk of its own): the pieces a turn's batch is written in.
 */
export function chunksByKey<T>(items: readonly T[], key: (item: T) => string, size: (item: T) => number,
  limits: { maxItems: number; maxBytes: number }): T[][] {
  const open = new Map<string, { items: T[]; bytes: number }>();
  const chunks: T[][] = [];
  for (const item of items) {
    const k = key(item);
    const bytes = size(item);
    let chunk = open.get(k);
    if (!chunk || chunk.items.length >= limits.maxItems || chunk.bytes + bytes > limits.maxBytes) {
      chunk = { items: [], bytes: 0 };
      open.set(k, chunk);
      chunks.push(chunk.items);
    }
    chunk.items.push(item);
    chunk.bytes += bytes;
  }
  return chunks;
}
