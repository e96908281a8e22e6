import type { Redis } from 'ioredis';
import { logger } from '../log.js';
import { clientName, createRedisClient, createSubscriber, processName, quit, whenReady } from '../redis/client.js';
import { redisKeys } from '../redis/keys.js';
import type { GroupChanges } from '../core/ports/changes.js';
import type { RedisConfig } from '../config.js';

/** Several `dino server` processes: changes go out on a Redis pub/sub channel that all of them listen to. */
export class RedisGroupChanges implements GroupChanges {
  readonly kind = 'redis';
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly listeners: Array<(groupId: string | null) => void> = [];

  constructor(redis: RedisConfig) {
    this.channel = redisKeys(redis).groupChanges;
    this.publisher = createRedisClient(redis.url, { name: clientName(processName(), 'changes-publisher') });
    this.subscriber = createSubscriber(redis.url, clientName(processName(), 'changes-subscriber'), this.channel, {
      message: (groupId) => this.tell(groupId),
      // Announcements made while this process was not listening were missed: whatever is cached may be stale.
      resumed: () => this.tell(null),
    });
  }

  async announce(groupId: string): Promise<void> {
    this.tell(groupId); // this process at once, before the answer goes out
    try {
      await whenReady(this.publisher);
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
    await Promise.all([quit(this.publisher), quit(this.subscriber)]);
  }

  private tell(groupId: string | null): void {
    for (const changed of this.listeners) changed(groupId);
  }
}
