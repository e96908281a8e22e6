import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type Database from 'better-sqlite3';
import { OutgoingQueues } from './outgoing-queues.js';
import type { QueueDrops } from './queue-drops.js';
import { SessionExpiry, type SessionClock } from './session-expiry.js';
import { decode, encode, openSessionFile, prepareStatements, type SessionStatements } from './session-file.js';
import type {
  MemorySessionsClass, SessionBroker, SessionClient, SessionPacket, SessionSubscription, SubscriptionMatch,
} from './types.js';
import { WriteBatch } from './write-batch.js';

const require = createRequire(import.meta.url);
const MemorySessions = require('aedes-persistence/asyncPersistence.js') as MemorySessionsClass;
const Packet = require('aedes-packet') as new (fields: SessionPacket) => SessionPacket;

export interface SqliteSessionsOptions {
  /** The SQLite file (`DINO_DATA_DIR/broker.sqlite`). */
  file: string;
  /** Packets a session holds at most (DINO_MQTT_MAX_QUEUED). */
  maxQueued: number;
  /** A persistent session whose client stays away this long is forgotten (DINO_MQTT_SESSION_EXPIRY). */
  sessionExpiryMs: number;
  /** How often expired sessions are looked for; by default a quarter of the expiry, at most hourly. */
  sweepEveryMs?: number;
  now?: () => number;
}

/**
 * The embedded broker's sessions, kept in a SQLite file so that they outlive a restart: an aedes persistence (the
 * async API aedes 1.x calls). Subscriptions, retained messages and inbound QoS 2 packets are served from
 * aedes-persistence's in-memory store (its topic trie matches subscriptions) and written through to the file; queued
 * packets and wills live in the file only. Writes are grouped per turn of the event loop (see WriteBatch), and each
 * call resolves once its write is committed. Everything is read back from the file at setup().
 */
export class SqliteSessions extends MemorySessions implements SessionClock {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly q: SessionStatements;
  private readonly batch: WriteBatch;
  private readonly queues: OutgoingQueues;
  private readonly now: () => number;
  private readonly expiry: SessionExpiry;
  /** Set as destroy() starts: streams asked for from then on end empty rather than fail. */
  private closing = false;

  constructor(options: SqliteSessionsOptions) {
    super();
    this.db = openSessionFile(options.file);
    this.q = prepareStatements(this.db);
    this.batch = new WriteBatch(this.db);
    this.queues = new OutgoingQueues(this.q, this.batch, options.maxQueued);
    this.now = options.now ?? Date.now;
    this.expiry = new SessionExpiry(this, options.sessionExpiryMs, this.now, options.sweepEveryMs);
  }

  /** Packets dropped from full queues (DINO_MQTT_MAX_QUEUED), by end. */
  get drops(): QueueDrops {
    return this.queues.drops;
  }

  override async setup(broker: SessionBroker): Promise<void> {
    await super.setup(broker);
    await this.load();
    this.expiry.start(broker);
  }

  override async storeRetained(packet: SessionPacket): Promise<void> {
    await super.storeRetained(packet);
    const topic = packet.topic ?? '';
    const blob = packet.payload?.length ? encode({ ...packet }) : undefined;
    await this.batch.run(() => (blob ? this.q.putRetained.run(topic, blob) : this.q.deleteRetained.run(topic)));
  }

  override async addSubscriptions(client: SessionClient, subs: SessionSubscription[]): Promise<void> {
    await super.addSubscriptions(client, subs);
    // What the memory store kept after this call (the last of several entries for one topic wins).
    const kept = new Map((await super.subscriptionsByClient(client)).map(({ topic, ...record }) => [topic, record]));
    const rows = [...new Set(subs.map((s) => s.topic))].map((topic) => [topic, encode(kept.get(topic) ?? {})] as const);
    const now = this.now();
    await this.batch.run(() => {
      for (const [topic, record] of rows) this.q.putSubscription.run(client.id, topic, record);
      this.q.seen.run(client.id, now);
    });
  }

  override async removeSubscriptions(client: SessionClient, topics: string[]): Promise<void> {
    await super.removeSubscriptions(client, topics);
    await this.batch.run(() => {
      for (const topic of topics) this.q.deleteSubscription.run(client.id, topic);
    });
  }

  override async cleanSubscriptions(client: SessionClient): Promise<void> {
    await super.cleanSubscriptions(client);
    await this.batch.run(() => this.q.deleteSubscriptions.run(client.id));
  }

  async outgoingEnqueue(sub: SubscriptionMatch, packet: SessionPacket): Promise<void> {
    await this.queues.enqueue([sub.clientId], packet);
  }

  async outgoingEnqueueCombi(subs: SubscriptionMatch[], packet: SessionPacket): Promise<void> {
    await this.queues.enqueue(subs.map((s) => s.clientId), packet);
  }

  async outgoingUpdate(client: SessionClient, packet: SessionPacket): Promise<void> {
    await this.queues.update(client.id, packet);
  }

  async outgoingClearMessageId(client: SessionClient, packet: SessionPacket | undefined): Promise<SessionPacket | undefined> {
    return this.queues.clear(client.id, packet?.messageId);
  }

  outgoingStream(client: SessionClient): Readable {
    return Readable.from(this.readQueue(client.id));
  }

  override async incomingStorePacket(client: SessionClient, packet: SessionPacket): Promise<void> {
    await super.incomingStorePacket(client, packet);
    const messageId = packet.messageId ?? 0;
    const blob = encode({ ...new Packet(packet), messageId });
    await this.batch.run(() => this.q.putIncoming.run(client.id, messageId, blob));
  }

  override async incomingDelPacket(client: SessionClient, packet: SessionPacket): Promise<void> {
    await super.incomingDelPacket(client, packet);
    await this.batch.run(() => this.q.deleteIncoming.run(client.id, packet.messageId ?? 0));
  }

  override async cleanIncoming(client: SessionClient): Promise<void> {
    await super.cleanIncoming(client);
    await this.batch.run(() => this.q.deleteAllIncoming.run(client.id));
  }

  async putWill(client: SessionClient, packet: SessionPacket): Promise<void> {
    const brokerId = this.broker!.id;
    packet.brokerId = brokerId;
    packet.clientId = client.id;
    const blob = encode({ ...packet });
    await this.batch.run(() => this.q.putWill.run(client.id, brokerId, blob));
  }

  async getWill(client: SessionClient): Promise<SessionPacket | undefined> {
    const row = await this.batch.run(() => this.q.getWill.get(client.id));
    return row && decode<SessionPacket>(row.packet);
  }

  async delWill(client: SessionClient): Promise<SessionPacket | undefined> {
    const row = await this.batch.run(() => {
      const found = this.q.getWill.get(client.id);
      this.q.deleteWill.run(client.id);
      return found;
    });
    return row && decode<SessionPacket>(row.packet);
  }

  /** The wills held for broker processes that are not alive (a previous run of Dino among them). */
  streamWill(brokers: Record<string, unknown> = {}): Readable {
    return Readable.from(this.readWills(brokers));
  }

  /** Dates a persistent client's session; aedes' connect and disconnect events call it once setup() has run. */
  clientSeen(clientId: string): Promise<void> {
    return this.expiry.seen(clientId);
  }

  /** Forgets the sessions of clients away longer than DINO_MQTT_SESSION_EXPIRY (also run periodically). */
  sweepExpired(now?: number): Promise<string[]> {
    return this.expiry.sweep(now);
  }

  async sessionsUnseenSince(cutoff: number, limit: number): Promise<string[]> {
    return this.batch.run(() => this.q.unseenSince.all(cutoff, limit).map((r) => r.client_id));
  }

  async markSeen(clientIds: string[], at: number): Promise<void> {
    await this.batch.run(() => {
      for (const id of clientIds) this.q.seen.run(id, at);
    });
  }

  async forgetSessions(clientIds: string[]): Promise<void> {
    for (const id of clientIds) {
      await super.cleanSubscriptions({ id });
      await super.cleanIncoming({ id });
    }
    await this.batch.run(() => {
      for (const id of clientIds) this.forget(id);
    });
  }

  /** Call after aedes' close(): commits what is pending (see waitUntilQuiet) and closes the file. */
  override async destroy(): Promise<void> {
    this.closing = true;
    this.expiry.stop();
    await this.batch.close();
    await super.destroy();
    this.queues.drops.close();
    this.db.close();
  }

  /** Runs inside a commit. */
  private forget(clientId: string): void {
    this.q.deleteSubscriptions.run(clientId);
    this.queues.forget(clientId);
    this.q.deleteAllIncoming.run(clientId);
    this.q.deleteWill.run(clientId);
    this.q.forgetSession.run(clientId);
  }

  private async load(): Promise<void> {
    const byClient = new Map<string, SessionSubscription[]>();
    for (const row of this.q.allSubscriptions.all()) {
      const subs = byClient.get(row.client_id) ?? [];
      subs.push({ topic: row.topic, ...decode<Omit<SessionSubscription, 'topic'>>(row.record) });
      byClient.set(row.client_id, subs);
    }
    for (const [id, subs] of byClient) await super.addSubscriptions({ id }, subs);
    for (const row of this.q.allRetained.all()) await super.storeRetained(decode(row.packet));
    for (const row of this.q.allIncoming.all()) await super.incomingStorePacket({ id: row.client_id }, decode(row.packet));
  }

  private async *readQueue(clientId: string): AsyncGenerator<SessionPacket> {
    if (this.closing) return;
    yield* await this.queues.list(clientId);
  }

  private async *readWills(brokers: Record<string, unknown>): AsyncGenerator<SessionPacket> {
    if (this.closing) return;
    const rows = await this.batch.run(() => this.q.allWills.all());
    for (const row of rows) if (brokers[row.broker_id] === undefined) yield decode<SessionPacket>(row.packet);
  }
}
