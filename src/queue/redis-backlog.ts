import type { Redis } from 'ioredis';

/** How often the backlog is read again; between reads the last figure stands. */
const REFRESH_MS = 500;

/**
 * The consumer group's backlog (entries not yet read plus entries read and not acknowledged), read from
 * XINFO GROUPS at most every REFRESH_MS. The queue refuses new entries while it is near the stream's cap, so the
 * cap (XADD MAXLEN ~) only ever trims entries already delivered.
 */
export class StreamBacklog {
  private checkedAt = 0;
  private entries = 0;

  constructor(private readonly redis: Redis, private readonly stream: string, private readonly group: string) {}

  async current(): Promise<number> {
    if (Date.now() - this.checkedAt >= REFRESH_MS) {
      this.checkedAt = Date.now();
      this.entries = await this.read();
    }
    return this.entries;
  }

  private async read(): Promise<number> {
    const groups = (await this.redis.xinfo('GROUPS', this.stream)) as unknown[][];
    for (const fields of groups) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < fields.length; i += 2) info.set(String(fields[i]), fields[i + 1]);
      if (info.get('name') !== this.group) continue;
      return Number(info.get('pending') ?? 0) + Number(info.get('lag') ?? 0); // lag is null when Redis cannot tell
    }
    return 0;
  }
}
