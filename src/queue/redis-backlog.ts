import type { Redis } from 'ioredis';
import type { QueueBacklog } from '../core/ports/queue.js';

/** How often the backlog is read again; between reads the last figures stand. */
const REFRESH_MS = 500;

/**
 * The consumer group's backlog (entries read and not acknowledged: pending; entries not yet read: lag), read from
 * XINFO GROUPS at most every REFRESH_MS. The queue refuses new entries while it is near the stream's cap, so the
 * cap (XADD MAXLEN ~) only ever trims entries already delivered.
 */
export class StreamBacklog {
  private checkedAt = 0;
  private last: QueueBacklog = { pending: 0, lag: 0 };

  constructor(private readonly redis: Redis, private readonly stream: string, private readonly group: string) {}

  /** Entries not yet acknowledged, read or not. */
  async current(): Promise<number> {
    const { pending, lag } = await this.figures();
    return pending + lag;
  }

  async figures(): Promise<QueueBacklog> {
    if (Date.now() - this.checkedAt >= REFRESH_MS) {
      this.checkedAt = Date.now();
      this.last = await this.read();
    }
    return this.last;
  }

  private async read(): Promise<QueueBacklog> {
    const groups = (await this.redis.xinfo('GROUPS', this.stream)) as unknown[][];
    for (const fields of groups) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < fields.length; i += 2) info.set(String(fields[i]), fields[i + 1]);
      if (info.get('name') !== this.group) continue;
      // lag is null when Redis cannot tell (after deletions or trims past unread entries)
      return { pending: Number(info.get('pending') ?? 0), lag: Number(info.get('lag') ?? 0) };
    }
    return { pending: 0, lag: 0 };
  }
}
