import type { Redis } from 'ioredis';
import { logger } from '../log.js';
import { clientName, createRedisClient, createSubscriber, processName, quit, whenReady } from '../redis/client.js';
import { redisKeys } from '../redis/keys.js';
import type { GroupChanged, GroupChanges } from '../core/ports/changes.js';
import type { Message } from '../core/model.js';
import type { RedisConfig } from '../config.js';

/** Several `dino server` processes: changes go out on a Redis pub/sub channel that all of them listen to. */
export class RedisGroupChanges implements GroupChanges {
  readonly kind = 'redis';
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly listeners: GroupChanged[] = [];

  constructor(redis: RedisConfig) {
    this.channel = redisKeys(redis).groupChanges;
    this.publisher = createRedisClient(redis.url, { name: clientName(processName(), 'changes-publisher') });
    this.subscriber = createSubscriber(redis.url, clientName(processName(), 'changes-subscriber'), this.channel, {
      message: (text) => {
        const change = decodeChange(text);
        // Unreadable news (never written by Dino): whatever is cached may be stale.
        if (change) this.tell(change.groupId, change.lastMessage);
        else this.tell(null);
      },
      // Announcements made while this process was not listening were missed: whatever is cached may be stale.
      resumed: () => this.tell(null),
    });
  }

  async announce(groupId: string, lastMessage?: Message): Promise<void> {
    this.tell(groupId, lastMessage); // this process at once, before the answer goes out
    try {
      await whenReady(this.publisher);
      await this.publisher.publish(this.channel, encodeChange(groupId, lastMessage));
    } catch (err) {
      // The change is stored: failing the request now would not undo it. The others' caches expire on their own.
      logger.warn({ err: (err as Error).message, groupId }, 'group change not announced to other processes');
    }
  }

  subscribe(changed: GroupChanged): void {
    this.listeners.push(changed);
  }

  async close(): Promise<void> {
    await Promise.all([quit(this.publisher), quit(this.subscriber)]);
  }

  private tell(groupId: string | null, lastMessage?: Message): void {
    for (const changed of this.listeners) changed(groupId, lastMessage);
  }
}

/**
 * A moved last message longer than this goes on the channel as a plain change (the others read the group again): every
 * process subscribes, and a burst of large messages would fill their output buffers in Redis, which then drops them.
 */
export const MAX_TOLD_PAYLOAD = 4096;

/**
 * On the channel, a change is its group id alone (a group id never starts with `{`), or, when the last message
 * moved, JSON of the group id and that message. A process of a version before last messages were told reads the
 * JSON as an unknown group and drops nothing: while versions are mixed (a rolling upgrade), its cached group rows may
 * show a last message older than the newest for as long as its cache keeps them (5 s a snapshot, 30 s a listed row).
 */
export function encodeChange(groupId: string, lastMessage?: Message): string {
  if (!lastMessage || lastMessage.payload.length > MAX_TOLD_PAYLOAD) return groupId;
  const { messageId, senderId, messageType, createdAt, payload } = lastMessage;
  return JSON.stringify({ group_id: groupId, last_message: { message_id: messageId, sender_id: senderId, message_type: messageType,
    created_at: createdAt, payload } });
}

/** The change `text` tells of; null if it is neither form. */
export function decodeChange(text: string): { groupId: string; lastMessage?: Message } | null {
  if (!text.startsWith('{')) return text.length > 0 ? { groupId: text } : null;
  try {
    const { group_id: groupId, last_message: m } = JSON.parse(text) as { group_id?: unknown; last_message?: Record<string, unknown> };
    if (typeof groupId !== 'string' || typeof m !== 'object' || m === null) return null;
    const { message_id: messageId, sender_id: senderId, message_type: messageType, created_at: createdAt, payload } = m;
    if (typeof messageId !== 'string' || typeof senderId !== 'number' || typeof messageType !== 'string'
      || typeof createdAt !== 'number' || typeof payload !== 'string') return null;
    return { groupId, lastMessage: { groupId, messageId, senderId, messageType, createdAt, payload } };
  } catch {
    return null;
  }
}
