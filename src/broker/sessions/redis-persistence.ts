import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { Redis } from 'ioredis';
import { QueueDrops } from './queue-drops.js';
import { SessionExpiry, type SessionClock } from './session-expiry.js';
import { waitUntilQuiet } from './write-batch.js';
import type { SessionBroker, SessionClient, SessionPacket, SessionSubscription, SubscriptionMatch } from './types.js';

/** What Dino adds to or calls on aedes-persistence-redis (the rest of its aedes persistence API is inherited). */
interface RedisSessionsBase {
  readonly broker: SessionBroker | undefined;
  setup(broker: SessionBroker): Promise<void>;
  addSubscriptions(client: SessionClient, subs: SessionSubscription[]): Promise<void>;
  cleanSubscriptions(client: SessionClient): Promise<void>;
  cleanIncoming(client: SessionClient): Promise<void>;
  outgoingEnqueueCombi(subs: SubscriptionMatch[], packet: SessionPacket): Promise<void>;
  outgoingUpdate(client: SessionClient, packet: SessionPacket): Promise<void>;
  outgoingClearMessageId(client: SessionClient, packet: SessionPacket): Promise<SessionPacket | undefined>;
  subscriptionsByClient(client: SessionClient): Promise<SessionSubscription[]>;
  subscriptionsByTopic(topic: string): Promise<SubscriptionMatch[]>;
  countOffline(): Promise<{ subsCount: number; clientsCount: number }>;
  putWill(client: SessionClient, packet: SessionPacket): Promise<void>;
  outgoingStream(client: SessionClient): AsyncIterable<SessionPacket>;
  createRetainedStream(pattern: string): AsyncIterable<SessionPacket>;
  createRetainedStreamCombi(patterns: string[]): AsyncIterable<SessionPacket>;
  streamWill(brokers?: Record<string, unknown>): AsyncIterable<SessionPacket>;
  getClientList(topic: string): Iterable<string> | AsyncIterable<string>;
  destroy(): Promise<void>;
}

const require = createRequire(import.meta.url);
const AedesRedisPersistence = require('aedes-persistence-redis/asyncPersistence.js') as
  new (options: object) => RedisSessionsBase;

/** aedes-persistence-redis' list of a client's queued packet keys (its key schema, see its asyncPersistence.js). */
const queueKey = (clientId: string) => `outgoing:${encodeURIComponent(clientId)}`;
/** Dino's own key beside the package's: persistent clients scored by when they were last seen (ms). */
const SEEN = 'sessions-seen';

export interface RedisSessionsOptions {
  url: string;
  /** Every key of the broker's sessions starts with it, so they stay apart from the queue's and from other data. */
  keyPrefix: string;
  maxQueued: number;
  sessionExpirySeconds: number;
  now?: () => number;
}

/**
 * The broker's sessions in Redis (DINO_REDIS_URL): the maintained aedes-persistence-redis, plus Dino's session expiry
 * and queue cap. Each session keeps its newest `maxQueued` packets (the oldest are trimmed off, sent or not); a queued
 * packet expires from Redis after the session expiry.
 */
export class RedisSessions extends AedesRedisPersistence implements SessionClock {
  readonly kind = 'redis';
  readonly drops: QueueDrops;
  private readonly expiry: SessionExpiry;

  private constructor(private readonly db: Redis, private readonly options: RedisSessionsOptions) {
    super({ conn: db, maxSessionDelivery: options.maxQueued, packetTTL: () => options.sessionExpirySeconds });
    this.drops = new QueueDrops(options.maxQueued);
    this.expiry = new SessionExpiry(this, options.sessionExpirySeconds * 1000, options.now);
  }

  static open(options: RedisSessionsOptions): RedisSessions {
    const db = new Redis(options.url, { keyPrefix: options.keyPrefix, connectionName: `dino:broker-sessions:${process.pid}` });
    db.on('error', () => {}); // surfaced by the commands that fail; ioredis reconnects by itself
    return new RedisSessions(db, options);
  }

  override async setup(broker: SessionBroker): Promise<void> {
    await super.setup(broker);
    this.expiry.start(broker);
  }

  override async addSubscriptions(client: SessionClient, subs: SessionSubscription[]): Promise<void> {
    await super.addSubscriptions(client, subs);
    await this.expiry.seen(client.id);
  }

  override async outgoingEnqueueCombi(subs: SubscriptionMatch[], packet: SessionPacket): Promise<void> {
    await super.outgoingEnqueueCombi(subs, packet);
    if (subs.length > 0) await this.capQueues(subs.map((s) => s.clientId));
  }

  // The package answers these with generators; aedes 1.2 pipes some of them (the retained messages of a SUBSCRIBE),
  // so they are handed over as streams, as the package's callback wrapper does.
  override outgoingStream(client: SessionClient): Readable {
    return Readable.from(super.outgoingStream(client));
  }

  override createRetainedStream(pattern: string): Readable {
    return Readable.from(super.createRetainedStream(pattern));
  }

  override createRetainedStreamCombi(patterns: string[]): Readable {
    return Readable.from(super.createRetainedStreamCombi(patterns));
  }

  override streamWill(brokers?: Record<string, unknown>): Readable {
    return Readable.from(super.streamWill(brokers));
  }

  override getClientList(topic: string): Readable {
    return Readable.from(super.getClientList(topic));
  }

  clientSeen(clientId: string): Promise<void> {
    return this.expiry.seen(clientId);
  }

  sweepExpired(now?: number): Promise<string[]> {
    return this.expiry.sweep(now);
  }

  sessionsUnseenSince(cutoff: number, limit: number): Promise<string[]> {
    return this.db.zrangebyscore(SEEN, '-inf', `(${cutoff}`, 'LIMIT', 0, limit);
  }

  async markSeen(clientIds: string[], at: number): Promise<void> {
    await this.db.zadd(SEEN, ...clientIds.flatMap((id) => [at, id]));
  }

  async forgetSessions(clientIds: string[]): Promise<void> {
    for (const id of clientIds) {
      await this.cleanSubscriptions({ id });
      await this.cleanIncoming({ id });
    }
    // The queued packets themselves expire on their own (packetTTL).
    await this.db.del(...clientIds.map(queueKey));
    await this.db.zrem(SEEN, ...clientIds);
  }

  /** Call after aedes' close(): lets pending writes finish (see waitUntilQuiet), then disconnects. */
  override async destroy(): Promise<void> {
    this.expiry.stop();
    await waitUntilQuiet(() => this.db.commandQueue.length === 0);
    this.drops.close();
    await super.destroy();
  }

  /** Trims each queue to its newest `maxQueued` packets, counting what was dropped. */
  private async capQueues(clientIds: string[]): Promise<void> {
    const max = this.options.maxQueued;
    const pipeline = this.db.pipeline();
    for (const id of clientIds) pipeline.llen(queueKey(id)).ltrim(queueKey(id), -max, -1);
    const replies = (await pipeline.exec()) ?? [];
    clientIds.forEach((id, i) => {
      for (let over = Number(replies[2 * i]?.[1] ?? 0) - max; over > 0; over--) this.drops.count(id, 'oldest');
    });
  }
}
