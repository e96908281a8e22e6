import type { RedisKeys } from '../redis/keys.js';
import type { DinoRedis } from '../redis/scripts.js';
import { toEntries, type StreamEntry } from './redis-codec.js';
import type { QueueSettings } from './redis-tuning.js';

/**
 * A consuming node's liveness: a key with a short TTL (`nodeTtlMs`), refreshed every third of it, deleted on a graceful
 * stop. A consumer of the group whose key is absent is dead (crashed, killed, cut off), not just slow: its pending
 * entries are taken over at once instead of after `claimIdleMs`, which stays the last resort for a node alive but stuck.
 */
export class NodeLiveness {
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> = Promise.resolve();
  /** Whether our key was last written successfully (and not deleted since). */
  private fresh = false;

  constructor(private readonly redis: DinoRedis, private readonly keys: RedisKeys, private readonly settings: QueueSettings) {}

  /** Keeps our key alive from now on; the read loop waits for `ensure` before taking entries. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.beat().catch(() => undefined), Math.max(1, Math.floor(this.settings.nodeTtlMs / 3)));
    this.timer.unref();
    void this.beat().catch(() => undefined);
  }

  /** Makes sure our key exists before entries are taken: pending entries of a consumer without one are fair game. */
  async ensure(): Promise<void> {
    if (!this.fresh) await this.beat();
  }

  /** Graceful stop, once nothing is pending with us: the key goes, so nobody waits for it to lapse. */
  async stop(): Promise<void> {
    this.halt();
    await this.beating.catch(() => undefined);
    await this.redis.del(this.keys.alive(this.settings.consumer));
  }

  /** Stops the heartbeat and leaves the key to lapse, as a crash does. */
  halt(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.fresh = false;
  }

  /**
   * Takes over, for us, up to `max` entries pending on consumers whose liveness key is absent. Each dead consumer's
   * entries are claimed by a script that checks, atomically, that its key is still absent and that each entry is still
   * its own: two nodes taking over at once never both get an entry, and a node alive again keeps what it holds.
   */
  async claimFromDead(max: number): Promise<StreamEntry[]> {
    const { group, consumer } = this.settings;
    const { stream } = this.keys;
    const rows = (await this.redis.xinfo('CONSUMERS', stream, group)) as unknown[][];
    const holders = rows.map(fieldsOf).filter((c) => c.name !== consumer && Number(c.pending) > 0).map((c) => String(c.name));
    if (holders.length === 0) return [];
    const exists = await Promise.all(holders.map((name) => this.redis.exists(this.keys.alive(name))));
    const taken: StreamEntry[] = [];
    for (const [i, dead] of holders.entries()) {
      if (exists[i] === 1 || taken.length >= max) continue;
      const pending = (await this.redis.xpending(stream, group, '-', '+', max - taken.length, dead)) as Array<[string]>;
      if (pending.length === 0) continue;
      const claimed = await this.redis.claimFromDeadBuffer(stream, this.keys.alive(dead), group, dead, consumer,
        ...pending.map(([id]) => id));
      taken.push(...toEntries(claimed));
    }
    return taken;
  }

  private beat(): Promise<void> {
    const { consumer, nodeTtlMs } = this.settings;
    const beat = this.redis.set(this.keys.alive(consumer), String(Date.now()), 'PX', nodeTtlMs).then(() => {
      if (this.timer) this.fresh = true;
    }, (err: unknown) => {
      this.fresh = false;
      throw err;
    });
    this.beating = beat.catch(() => undefined);
    return beat;
  }
}

/** XINFO's flat [field, value, …] reply as an object. */
function fieldsOf(row: unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i + 1 < row.length; i += 2) fields[String(row[i])] = row[i + 1];
  return fields;
}
