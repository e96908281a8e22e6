import { Redis } from 'ioredis';
import { logger } from '../log.js';
import { whenReady } from '../queue/redis-connection.js';
import type { GroupChanges } from '../core/ports/changes.js';

/** Several `dino server` processes: changes go out on a Redis pub/sub channel that all of them listen to. */
export class RedisGroupChanges implements GroupChanges {
  readonly kind = 'redis';
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly listeners: Array<(groupId: string | null) => void> = [];

  constructor(url: string, private readonly channel: string) {
    const options = { connectionName: `dino:changes:${process.pid}`, maxRetriesPerRequest: 1 };
    this.publisher = new Redis(url, { ...options, enableOfflineQueue: false });
    this.subscriber = new Redis(url, options);
    for (const client of [this.publisher, this.subscriber]) client.on('error', () => {}); // surfaced by commands
    void this.subscriber.subscribe(channel).catch(() => undefined); // ioredis subscribes again after reconnects
    this.subscriber.on('message', (_channel: string, groupId: string) => this.tell(groupId));
    // While disconnected, announcements were missed: whatever is cached may be stale.
    this.subscriber.on('ready', () => this.tell(null));
  }

  async announce(groupId: string): Promise<void> {
    this.tell(groupId); // this process at once, before the answer goes out
    try {
      await whenReady(this.publisher, 2000);
      await this.publisher.publish(this.channel, groupId);
    } catch (err) {
      // The change is stored: failing the request now would not undo it. The others' caches expire on their own.
      logger.warn({ err: (err as Error).message, groupId }, 'group change not announced to other processes');
    }
  }

  subscribe(changed: (groupId: string | null) => void): void {
    this.listeners.push(changed);
  }

  async close(): Promise<void> {
    await Promise.all([this.publisher, this.subscriber].map((c) => c.quit().catch(() => c.disconnect())));
  }

  private tell(groupId: string | null): void {
    for (const changed of this.listeners) changed(groupId);
  }
}
