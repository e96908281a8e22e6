import type { Redis } from 'ioredis';
import { logger } from '../log.js';

interface Scripts {
  dinoEnqueueInOrder(stream: string, seqKey: string, maxLen: number, encoded: Buffer, orderKey: string, ttlMs: number): Promise<unknown>;
  dinoMarkDone(doneKey: string, seq: number, ttlMs: number): Promise<unknown>;
}

/** Stream fields beside the payload: the broadcast's order key and its sequence number within that key. */
export const ORDER_KEY_FIELD = 'k';
export const ORDER_SEQ_FIELD = 's';

/** Keys of an order key's counters expire when the key has been quiet this long. */
const COUNTER_TTL_MS = 24 * 3600 * 1000;

/** Numbers the broadcast within its key and appends it, in one step, so stream order and numbering agree. */
const ENQUEUE_IN_ORDER = `
local seq = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'm', ARGV[2], 'k', ARGV[3], 's', seq)`;

/** Moves the "done up to" mark forward, never back. */
const MARK_DONE = `
local done = tonumber(redis.call('GET', KEYS[1]) or '0')
if done < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 0`;

/**
 * Keeps one group's broadcasts in order across fan-out nodes. Each keyed broadcast gets the next sequence number of
 * its key when it is queued. A node hands number n to its workers once n−1 was handed to this node's own workers
 * (they keep hand-off order), or once n−1 is marked done, i.e. acknowledged, by whichever node had it — or after
 * `maxWaitMs`: order holds while nothing fails, and a lost or failing predecessor delays its successors by at most
 * that long instead of blocking them.
 */
export class StreamOrder {
  /** Per key, the highest sequence number this node has handed to its workers, and who waits for the next. */
  private readonly handed = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();

  /** The scripts, sent once and then run by their hash (EVALSHA): the text is not resent with every broadcast. */
  private readonly scripts: Redis & Scripts;

  constructor(private readonly redis: Redis, private readonly stream: string, private readonly maxWaitMs: number) {
    redis.defineCommand('dinoEnqueueInOrder', { numberOfKeys: 2, lua: ENQUEUE_IN_ORDER });
    redis.defineCommand('dinoMarkDone', { numberOfKeys: 1, lua: MARK_DONE });
    this.scripts = redis as Redis & Scripts;
  }

  /** Records that `seq` of `orderKey` went to this node's workers, and wakes its successor if it waits here. */
  handedOff(orderKey: string, seq: number): void {
    if ((this.handed.get(orderKey) ?? 0) < seq) this.handed.set(orderKey, seq);
    for (const wake of this.waiters.get(orderKey) ?? []) wake();
  }

  enqueue(maxLen: number, encoded: Buffer, orderKey: string): Promise<unknown> {
    return this.scripts.dinoEnqueueInOrder(this.stream, this.seqKey(orderKey), maxLen, encoded, orderKey, COUNTER_TTL_MS);
  }

  /** Resolves when broadcast `seq` of `orderKey` may be handed to the workers. */
  async awaitTurn(orderKey: string, seq: number): Promise<void> {
    const deadline = Date.now() + this.maxWaitMs;
    for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
      if ((this.handed.get(orderKey) ?? 0) >= seq - 1) return;
      const done = Number((await this.redis.get(this.doneKey(orderKey))) ?? 0);
      if (done >= seq - 1 || (this.handed.get(orderKey) ?? 0) >= seq - 1) return;
      if (Date.now() >= deadline) {
        logger.warn({ orderKey, seq, done }, 'predecessor not done in time: publishing out of order');
        return;
      }
      await this.localHandOffOr(orderKey, pause);
    }
  }

  async markDone(orderKey: string, seq: number): Promise<void> {
    await this.scripts.dinoMarkDone(this.doneKey(orderKey), seq, COUNTER_TTL_MS);
    if (this.handed.get(orderKey) === seq && !this.waiters.has(orderKey)) this.handed.delete(orderKey); // keep it small
  }

  /** Sleeps `ms`, or less if this node hands off another broadcast of the key meanwhile. */
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

  private seqKey(orderKey: string) {
    return `${this.stream}:seq:${orderKey}`;
  }

  private doneKey(orderKey: string) {
    return `${this.stream}:done:${orderKey}`;
  }
}
