import { logger } from '../log.js';
import type { RedisKeys } from '../redis/keys.js';
import type { DinoCommands, DinoRedis } from '../redis/scripts.js';
import { FIELD } from './redis-codec.js';

/** Keys of an order key's counters expire when the key has been quiet this long. */
const COUNTER_TTL_MS = 24 * 3600 * 1000;
/** How long a node trusts its own record of a key's last hand-off: half the counter's life (see handedUpTo). */
const TRUSTED_MS = COUNTER_TTL_MS / 2;
/** Order keys (groups) whose last hand-off a node records: about 1 MB. */
const REMEMBERED_KEYS = 10_000;

/** A client (`R`: a promise) or a MULTI block (`R`: the block): what appending and marking done run on. */
type Commands<R> = DinoCommands<R> & { xadd(key: string, ...args: Array<string | number | Buffer>): R };

/**
 * Appends a broadcast to the stream. A keyed one is numbered within its key in the same step (enqueueInOrder-2.lua),
 * so stream order and numbering agree.
 */
export function appendBroadcast<R>(to: Commands<R>, keys: RedisKeys, maxLen: number, encoded: Buffer, orderKey?: string): R {
  if (orderKey === undefined) return to.xadd(keys.stream, 'MAXLEN', '~', maxLen, '*', FIELD.broadcast, encoded);
  return to.enqueueInOrder(keys.stream, keys.seq(orderKey), maxLen, COUNTER_TTL_MS,
    FIELD.broadcast, encoded, FIELD.orderKey, orderKey, FIELD.orderSeq);
}

/** A keyed broadcast waiting to be appended with others of its turn. */
export interface KeyedEntry {
  encoded: Buffer;
  orderKey: string;
  /** The send intent its append removes (see redis-send-intents.ts); without it the entry is not appended. */
  intent?: string;
}

/**
 * Appends keyed broadcasts in the order given, each numbered within its key, in one script call
 * (enqueueManyInOrder-n.lua): for entries without an intent, the same as appending them one by one with
 * `appendBroadcast`, in one round trip. An entry with one is appended only if its intent is still there (and removes
 * it). Replies with each entry's id, or null for one not appended.
 */
export function appendManyInOrder<R>(to: Commands<R>, keys: RedisKeys, maxLen: number, entries: readonly KeyedEntry[],
  /** Send intents to record in the same call, before the entries (redis-send-intents.ts). */
  recording: readonly string[] = []): R {
  const counters = new Map<string, number>(); // order key → its counter's place among KEYS (1-based, after the stream and the intents)
  const perEntry: Array<number | string | Buffer> = [];
  for (const e of entries) {
    let counter = counters.get(e.orderKey);
    if (counter === undefined) counters.set(e.orderKey, (counter = counters.size + 1));
    perEntry.push(counter, e.encoded, e.orderKey, e.intent ?? '');
  }
  return to.enqueueManyInOrder(2 + counters.size, keys.stream, keys.sendIntents, ...[...counters.keys()].map((k) => keys.seq(k)),
    maxLen, COUNTER_TTL_MS, FIELD.broadcast, FIELD.orderKey, FIELD.orderSeq, recording.length, ...recording, ...perEntry);
}

/** Moves `orderKey`'s "done up to" mark to `seq`, never back (markDone-1.lua): its successors need not wait for it. */
export function markDone<R>(on: Commands<R>, keys: RedisKeys, orderKey: string, seq: number): R {
  return on.markDone(keys.done(orderKey), seq, COUNTER_TTL_MS);
}

/**
 * Keeps one group's broadcasts in order across fan-out nodes. Each keyed broadcast gets the next sequence number of
 * its key when it is queued. A node hands number n to its workers once n−1 was handed to this node's own workers
 * (they keep hand-off order), or once n−1 is marked done, i.e. acknowledged, by whichever node had it — or after
 * `maxWaitMs`: order holds while nothing fails, and a lost or failing predecessor delays its successors by at most
 * that long instead of blocking them.
 */
export class StreamOrder {
  /**
   * Per key, the highest sequence number this node has handed to its workers (with when that broadcast was
   * accepted), and who waits for the next.
   */
  private readonly handed = new Map<string, { seq: number; acceptedAt: number }>();
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Per key, the sequence numbers this node holds that are waiting for their turn or being handed over. */
  private readonly holding = new Map<string, Set<number>>();

  constructor(private readonly redis: DinoRedis, private readonly keys: RedisKeys, private readonly maxWaitMs: number) {}

  /**
   * Records that `seq` of `orderKey` (accepted at `acceptedAt`, ms) went to this node's workers, and wakes its
   * successor if it waits here. At most REMEMBERED_KEYS keys are kept, the oldest forgotten first.
   */
  handedOff(orderKey: string, seq: number, acceptedAt: number): void {
    const known = this.handed.get(orderKey);
    if (!known && this.handed.size >= REMEMBERED_KEYS) this.handed.delete(this.handed.keys().next().value!);
    if (!known || known.seq < seq) this.handed.set(orderKey, { seq, acceptedAt });
    this.letGo(orderKey, seq);
  }

  /** `seq` of `orderKey` is marked done in Redis: unless a later one was handed off here, its next broadcast reads that. */
  markedDone(orderKey: string, seq: number): void {
    if (this.handed.get(orderKey)?.seq === seq) this.handed.delete(orderKey);
  }

  /** Redis lost its state (the consumer group is gone): numbers from before mean nothing now. */
  forgetAll(): void {
    this.handed.clear();
  }

  /** `seq` of `orderKey` failed before it was handed off: a successor here stops waiting for it locally. */
  gaveUp(orderKey: string, seq: number): void {
    this.letGo(orderKey, seq);
  }

  /**
   * Resolves when broadcast `seq` of `orderKey` may be handed to the workers. From the call until it is handed off or
   * given up, it is held here: a successor this node reads meanwhile waits for that locally instead of asking Redis
   * for the done mark (which this node sets only after the hand-off; a copy of it that another node also took is no
   * faster).
   */
  async awaitTurn(orderKey: string, seq: number): Promise<void> {
    const held = this.holding.get(orderKey) ?? new Set<number>();
    this.holding.set(orderKey, held.add(seq));
    const deadline = Date.now() + this.maxWaitMs;
    for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
      if (this.handedUpTo(orderKey) >= seq - 1) return;
      if (!this.holding.get(orderKey)?.has(seq - 1)) {
        const done = Number((await this.redis.get(this.keys.done(orderKey))) ?? 0);
        if (done >= seq - 1 || this.handedUpTo(orderKey) >= seq - 1) return;
      }
      if (Date.now() >= deadline) {
        logger.warn({ orderKey, seq }, 'predecessor not done in time: publishing out of order');
        return;
      }
      await this.localHandOffOr(orderKey, pause);
    }
  }

  /**
   * The last hand-off recorded for the key, if its broadcast is younger than TRUSTED_MS: the key's counter, which
   * every append refreshes, cannot have expired and started over since (an older number could let a new broadcast pass
   * its predecessor). A failed delivery or acknowledgement can leave a number that markedDone never clears.
   */
  private handedUpTo(orderKey: string): number {
    const known = this.handed.get(orderKey);
    if (known && Date.now() - known.acceptedAt < TRUSTED_MS) return known.seq;
    this.handed.delete(orderKey);
    return 0;
  }

  private letGo(orderKey: string, seq: number): void {
    const held = this.holding.get(orderKey);
    if (held?.delete(seq) && held.size === 0) this.holding.delete(orderKey);
    for (const wake of this.waiters.get(orderKey) ?? []) wake();
  }

  /** Sleeps `ms`, or less if this node hands off (or gives up) another broadcast of the key meanwhile. */
  private localHandOffOr(orderKey: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const waiting = this.waiters.get(orderKey) ?? new Set<() => void>();
      this.waiters.set(orderKey, waiting);
      const wake = () => {
        clearTimeout(timer);
        waiting.delete(wake);
        if (waiting.size === 0) this.waiters.delete(orderKey);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      waiting.add(wake);
    });
  }
}
