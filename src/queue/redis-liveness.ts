import type { Worker } from 'node:worker_threads';
import type { RedisKeys } from '../redis/keys.js';
import type { DinoRedis } from '../redis/scripts.js';
import { siblingThread } from '../thread-entry.js';
import { toEntries, type StreamEntry } from './redis-codec.js';
import type { Beat, HeartbeatData } from './redis-heartbeat-thread.js';
import type { QueueSettings } from './redis-tuning.js';

/**
 * A consuming node's liveness: a key per partition with a short TTL (`nodeTtlMs`), written every third of it by a
 * thread of its own (redis-heartbeat-thread.ts), deleted on a graceful stop. A consumer of the group whose key is
 * absent is dead (crashed, killed, cut off), not just slow: its pending entries are taken over at once instead of
 * after `claimIdleMs`, which stays the last resort for a node alive but stuck.
 */
export class NodeLiveness {
  private thread: Worker | null = null;
  private exited: Promise<void> = Promise.resolve();
  private fallback: NodeJS.Timeout | null = null;
  /** The last write from this thread, so a stop's DEL comes after it. */
  private writing: Promise<void> = Promise.resolve();
  /** Whether the heartbeat thread is up and reporting. */
  private threadBeats = false;
  /** Whether our keys were last written successfully (and not deleted since). */
  private fresh = false;

  constructor(private readonly redis: DinoRedis, private readonly keys: RedisKeys[], private readonly settings: QueueSettings) {}

  private get aliveKeys(): string[] {
    return this.keys.map((keys) => keys.alive(this.settings.consumer));
  }

  /** Keeps our keys alive from now on; the read loops wait for `ensure` before taking entries. */
  start(): void {
    if (this.thread) return;
    const data: HeartbeatData = { url: this.settings.url, consumer: this.settings.consumer, keys: this.aliveKeys, ttlMs: this.settings.nodeTtlMs };
    const thread = siblingThread(import.meta.url, 'redis-heartbeat-thread', { workerData: data });
    thread.unref(); // never what keeps the process running
    thread.on('message', (beat: Beat) => {
      if (this.thread !== thread) return;
      this.threadBeats = true;
      this.fresh = beat.ok;
    });
    const down = () => {
      if (this.thread === thread) this.threadBeats = false; // the fallback below takes over
    };
    thread.on('error', down);
    this.exited = new Promise((resolve) => thread.once('exit', () => resolve(down())));
    this.thread = thread;
    // Until the thread's first beat (it takes a moment to start), or should it die, this thread writes the keys.
    this.fallback = setInterval(() => {
      if (!this.threadBeats) void this.write().catch(() => undefined);
    }, Math.max(1, Math.floor(this.settings.nodeTtlMs / 3)));
    this.fallback.unref();
  }

  /** Makes sure our keys exist before entries are taken: pending entries of a consumer without one are fair game. */
  async ensure(): Promise<void> {
    if (!this.fresh) await this.write();
  }

  private write(): Promise<void> {
    const { nodeTtlMs } = this.settings;
    const written = Promise.all(this.aliveKeys.map((key) => this.redis.set(key, String(Date.now()), 'PX', nodeTtlMs))).then(() => {
      if (this.thread) this.fresh = true;
    });
    this.writing = written.catch(() => undefined);
    return written;
  }

  /** Graceful stop, once nothing is pending with us: the keys go, so nobody waits for them to lapse. */
  async stop(): Promise<void> {
    const thread = this.thread;
    this.halt(false);
    if (thread) {
      thread.postMessage('stop'); // it closes its connection after any beat in flight, so none lands after the DEL
      await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      await thread.terminate();
    }
    await this.writing;
    // One DEL per key: on a cluster they live in different slots.
    await Promise.all(this.aliveKeys.map((key) => this.redis.del(key)));
  }

  /** Stops the heartbeat and leaves the keys to lapse, as a crash does. */
  halt(terminate = true): void {
    if (terminate) void this.thread?.terminate();
    if (this.fallback) clearInterval(this.fallback);
    this.fallback = null;
    this.thread = null;
    this.threadBeats = false;
    this.fresh = false;
  }
}

/**
 * Takes over, for `consumer`, up to `max` entries of one partition pending on consumers whose liveness key there is
 * absent. Each dead consumer's entries are claimed by a script that checks, atomically, that its key is still absent
 * and that each entry is still its own: two nodes taking over at once never both get an entry, and a node alive
 * again keeps what it holds.
 */
export async function claimFromDead(redis: DinoRedis, keys: RedisKeys, settings: QueueSettings, max: number): Promise<StreamEntry[]> {
  const { group, consumer } = settings;
  const { stream } = keys;
  const rows = (await redis.xinfo('CONSUMERS', stream, group)) as unknown[][];
  const holders = rows.map(fieldsOf).filter((c) => c.name !== consumer && Number(c.pending) > 0).map((c) => String(c.name));
  if (holders.length === 0) return [];
  const exists = await Promise.all(holders.map((name) => redis.exists(keys.alive(name))));
  const taken: StreamEntry[] = [];
  for (const [i, dead] of holders.entries()) {
    if (exists[i] === 1 || taken.length >= max) continue;
    const pending = (await redis.xpending(stream, group, '-', '+', max - taken.length, dead)) as Array<[string]>;
    if (pending.length === 0) continue;
    const claimed = await redis.claimFromDeadBuffer(stream, keys.alive(dead), group, dead, consumer, ...pending.map(([id]) => id));
    taken.push(...toEntries(claimed));
  }
  return taken;
}

/** XINFO's flat [field, value, …] reply as an object. */
function fieldsOf(row: unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i + 1 < row.length; i += 2) fields[String(row[i])] = row[i + 1];
  return fields;
}
