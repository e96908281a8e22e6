/** One broadcast's recipients on one worker thread. */
export interface Shard {
  payload: string;
  userIds: ArrayLike<number>;
}

/**
 * The shards of one hand-off, packed for the thread: the recipients of all of them in one transferable array,
 * `counts[i]` of them for `payloads[i]`, in the order they were handed over.
 */
export interface PackedShards {
  payloads: string[];
  counts: number[];
  userIds: Float64Array<ArrayBuffer>;
}

interface Waiting {
  resolve: (unacked: number[]) => void;
  reject: (err: unknown) => void;
}

export function packShards(shards: Shard[]): PackedShards {
  const userIds = new Float64Array(shards.reduce((n, s) => n + s.userIds.length, 0));
  let at = 0;
  for (const { userIds: ids } of shards) for (let i = 0; i < ids.length; i++) userIds[at++] = ids[i]!;
  return { payloads: shards.map((s) => s.payload), counts: shards.map((s) => s.userIds.length), userIds };
}

/** The shards of a packed hand-off again, each recipient list a view into the one array. */
export function unpackShards({ payloads, counts, userIds }: PackedShards): Array<{ payload: string; userIds: Float64Array }> {
  let at = 0;
  return payloads.map((payload, i) => {
    const ids = userIds.subarray(at, at + counts[i]!);
    at += counts[i]!;
    return { payload, userIds: ids };
  });
}

/**
 * Shards for one worker thread, handed over together once per event-loop turn. A message between threads costs the
 * same whether it carries one shard or fifty (the postMessage, the thread's wake-up, its task bookkeeping, and a
 * write to the broker per connection), and under load many broadcasts reach the fan-out in the same turn: one task
 * per turn instead of one per broadcast. Order is kept: shards go out in the order they were added, and hand-offs in
 * the order of the turns.
 */
export class TurnHandOff {
  private shards: Shard[] = [];
  private waiting: Waiting[] = [];

  /** `send` hands a batch to the thread; it resolves with each shard's unacknowledged recipients, in order. */
  constructor(private readonly send: (shards: Shard[]) => Promise<number[][]>) {}

  /** Resolves with the recipients of `shard` the broker did not acknowledge. */
  add(shard: Shard): Promise<number[]> {
    if (this.shards.length === 0) setImmediate(() => this.flush());
    this.shards.push(shard);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private flush(): void {
    const [shards, waiting] = [this.shards, this.waiting];
    [this.shards, this.waiting] = [[], []];
    this.send(shards).then(
      (unacked) => waiting.forEach((w, i) => w.resolve(unacked[i]!)),
      (err: unknown) => waiting.forEach((w) => w.reject(err)),
    );
  }
}
