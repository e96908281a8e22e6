import type { Redis } from 'ioredis';
import type { Broadcast, BroadcastHandler, BroadcastQueue, QueueBacklog } from '../core/ports/queue.js';
import { acceptedAtOf, decodeBroadcast, encodeBroadcast, FIELD, fieldOf, orderOf, toEntries, type StreamEntry } from './redis-codec.js';
import { DeadLetterStream, type DeadLetter, type ReplayResult } from './redis-dead-letters.js';
import { DinoError, Errors } from '../core/errors.js';
import { logger } from '../log.js';
import { noQueueRecorder, type QueueRecorder } from '../metrics/recorders.js';
import { clientName, createRedisClient, quit, whenReady } from '../redis/client.js';
import { StreamBacklog } from './redis-backlog.js';
import { NodeLiveness } from './redis-liveness.js';
import { appendBroadcast, StreamOrder } from './redis-order.js';
import { redisKeys, type RedisKeys } from '../redis/keys.js';
import type { DinoRedis } from '../redis/scripts.js';
import { queueSettings, type QueueSettings, type QueueTuning } from './redis-tuning.js';
import type { RedisConfig } from '../config.js';

export type { QueueTuning } from './redis-tuning.js';
export type { DeadLetter, ReplayResult } from './redis-dead-letters.js';

const isBusyGroup = (err: unknown) => err instanceof Error && err.message.startsWith('BUSYGROUP');
const isNoGroup = (err: unknown) => err instanceof Error && err.message.startsWith('NOGROUP');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Share of the stream cap at which new entries are refused, so trimming never reaches undelivered ones. */
const BACKLOG_LIMIT = 0.9;
const backOff = () => sleep(500 + Math.random() * 500);

/**
 * Broadcast queue on a Redis Stream read through a consumer group, so any number of fan-out nodes share the work.
 * An entry is acknowledged only after its handler resolved; entries left pending (handler failed, node died) are
 * taken over at once from a consumer whose liveness key lapsed (redis-liveness.ts), else with XAUTOCLAIM after
 * `claimIdleMs`, and after `maxAttempts` deliveries moved to a dead-letter stream.
 * Needs Redis 7.0 or later (XAUTOCLAIM's reply form and its cleaning of trimmed entries).
 */
export class RedisStreamQueue implements BroadcastQueue {
  readonly kind = 'redis';
  readonly settings: QueueSettings;
  private readonly keys: RedisKeys;
  private readonly producer: DinoRedis;
  private readonly reader: Redis;
  private readonly deadLetters: DeadLetterStream;
  private readonly order: StreamOrder;
  private readonly streamBacklog: StreamBacklog;
  private readonly liveness: NodeLiveness;
  private groupReady: Promise<void> | null = null;

  private handler: BroadcastHandler | null = null;
  private concurrency = 4;
  /** Entries delivered to us, waiting for a free handler slot. */
  private readonly waiting: StreamEntry[] = [];
  /** Entries being handled (and then acknowledged), by id. */
  private readonly running = new Map<string, Promise<void>>();
  /** Last handler error per pending id, so a dead letter can say why. */
  private readonly lastErrors = new Map<string, string>();
  private stopping = false;
  private stopped: Promise<void> | null = null;
  private readLoop: Promise<void> | null = null;
  private reclaimTimer: NodeJS.Timeout | null = null;
  private reclaiming: Promise<void> | null = null;
  private claimCursor = '0-0';
  private wake: (() => void) | null = null;
  private terminated = false;

  constructor(redis: RedisConfig, tuning: QueueTuning = {}, metrics: QueueRecorder = noQueueRecorder) {
    this.settings = queueSettings(redis, tuning);
    const { url, consumer, commandTimeoutMs, blockMs } = this.settings;
    this.producer = createRedisClient(url, { name: clientName(consumer, 'producer'), commandTimeoutMs });
    // XREADGROUP BLOCK holds its connection, so reads get their own and never delay enqueue or acks.
    this.reader = createRedisClient(url, { name: clientName(consumer, 'reader'), commandTimeoutMs, blockMs });
    this.keys = redisKeys(this.settings);
    this.deadLetters = new DeadLetterStream(this.producer, this.keys, this.settings, metrics);
    this.streamBacklog = new StreamBacklog(this.producer, this.keys.stream, this.settings.group);
    this.order = new StreamOrder(this.producer, this.keys, this.settings.orderWaitMs);
    this.liveness = new NodeLiveness(this.producer, this.keys, this.settings);
  }

  get consumer(): string {
    return this.settings.consumer;
  }

  /** Connects and makes sure the consumer group exists. Called by every operation; exposed to fail fast at start. */
  async connect(): Promise<void> {
    this.groupReady ??= this.createGroup('$').catch((err) => {
      this.groupReady = null;
      throw err;
    });
    await this.groupReady;
  }

  async enqueue(broadcast: Broadcast): Promise<void> {
    try {
      await this.connect();
      // Rides out a reconnect shorter than commandTimeoutMs; a longer outage is answered as unavailable.
      await whenReady(this.producer, this.settings.commandTimeoutMs);
      if ((await this.streamBacklog.current()) >= this.settings.maxLen * BACKLOG_LIMIT) {
        throw Errors.queueFull(`backlog near DINO_STREAM_MAXLEN ${this.settings.maxLen}`);
      }
      await appendBroadcast(this.producer, this.keys, this.settings.maxLen, encodeBroadcast(broadcast), broadcast.orderKey);
    } catch (err) {
      throw err instanceof DinoError ? err : Errors.queueUnavailable('broadcast queue (Redis) is unavailable', err);
    }
  }

  startConsuming(handler: BroadcastHandler, options: { concurrency?: number } = {}): void {
    const concurrency = options.concurrency ?? this.concurrency;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`startConsuming: concurrency must be a positive integer, got ${concurrency}`);
    }
    if (this.stopped || this.terminated) throw new Error('startConsuming: the queue is stopping or terminated');
    this.handler = handler;
    this.concurrency = concurrency;
    if (this.readLoop) return;
    this.liveness.start();
    this.readLoop = this.readForever();
    this.scheduleReclaim();
  }

  stopConsuming(): Promise<void> {
    if (!this.readLoop) return this.stopped ?? Promise.resolve();
    this.stopped ??= this.finish().finally(() => {
      this.stopped = null;
    });
    return this.stopped;
  }

  async ping(): Promise<void> {
    try {
      await whenReady(this.producer, this.settings.commandTimeoutMs);
      await this.producer.ping();
    } catch (err) {
      throw Errors.queueUnavailable('broadcast queue (Redis) does not answer', err);
    }
  }

  /** XINFO GROUPS' figures for our group, at most REFRESH_MS old (see redis-backlog.ts). */
  async backlog(): Promise<QueueBacklog> {
    await this.connect();
    return this.streamBacklog.figures();
  }

  async close(): Promise<void> {
    await this.stopConsuming();
    await Promise.all([quit(this.producer), quit(this.reader)]);
  }

  /**
   * Drops both connections at once, leaving whatever is in hand pending for other consumers to reclaim: what a crash
   * does. For tests of recovery and for an emergency exit; `close` is the graceful way.
   */
  terminate(): void {
    this.terminated = true;
    this.stopping = true;
    if (this.reclaimTimer) clearTimeout(this.reclaimTimer);
    this.liveness.halt(); // our key lapses: the others take over what we held after nodeTtlMs
    this.wake?.();
    // Nothing is waited for: handlers still running are abandoned, as in a crash.
    this.handler = null;
    this.readLoop = null;
    this.producer.disconnect();
    this.reader.disconnect();
  }

  /** Like every operation, connects first: `dino dead-letters` calls these on a queue that has done nothing else. */
  async listDeadLetters(limit?: number): Promise<DeadLetter[]> {
    await this.connect();
    return this.deadLetters.list(limit);
  }

  async replayDeadLetters(ids?: string[]): Promise<ReplayResult> {
    await this.connect(); // also makes sure the group exists, so what is replayed is read from the start
    return this.deadLetters.replay(ids);
  }

  /** Graceful stop: no new reads or claims, everything in hand handled and acknowledged, our name left tidy. */
  private async finish(): Promise<void> {
    this.stopping = true;
    if (this.reclaimTimer) clearTimeout(this.reclaimTimer);
    this.wake?.();
    await this.readLoop;
    await this.reclaiming;
    // What is in hand stays ours while it drains: were its idle time not reset, a drain longer than claimIdleMs would
    // let another node take it over and deliver it a second time.
    let touching: Promise<void> = Promise.resolve();
    const keepOwned = () => void (touching = this.touchOwned().catch(() => undefined));
    keepOwned();
    const keeper = setInterval(keepOwned, this.touchEveryMs());
    try {
      while (this.running.size > 0 || this.waiting.length > 0) {
        this.pump();
        await Promise.race(this.running.values());
      }
    } finally {
      clearInterval(keeper);
    }
    await touching; // a late XCLAIM would bring back the consumer name removed next
    await this.releaseConsumerName();
    await this.liveness.stop().catch((err) => logger.warn({ err: errorMessage(err) }, 'could not delete liveness key'));
    this.handler = null;
    this.readLoop = null;
    this.stopping = false;
  }

  private async readForever(): Promise<void> {
    const { group, consumer, batch, blockMs, commandTimeoutMs } = this.settings;
    while (!this.stopping) {
      const free = this.freeSlots();
      if (free === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      try {
        await this.connect();
        await whenReady(this.reader, commandTimeoutMs);
        await this.liveness.ensure();
        const reply = await this.reader.xreadgroupBuffer('GROUP', group, consumer,
          'COUNT', Math.min(batch, free), 'BLOCK', blockMs, 'STREAMS', this.keys.stream, '>');
        // Entries read are ours (pending) even if we are stopping meanwhile: they are handled, not dropped.
        for (const [, items] of reply ?? []) this.waiting.push(...toEntries(items));
        this.pump();
      } catch (err) {
        if (this.stopping) break;
        await this.recover(err, 'read');
      }
    }
  }

  /** After a failed Redis call: a vanished group is recreated, anything else waited out (ioredis reconnects). */
  private async recover(err: unknown, during: string): Promise<void> {
    if (isNoGroup(err)) {
      // The group (or the whole stream) is gone, e.g. Redis restarted without persistence: everything now in the
      // stream arrived after that and was never delivered, so the new group starts from the beginning.
      logger.warn({ stream: this.keys.stream, group: this.settings.group }, 'consumer group missing, recreating');
      await this.createGroup('0').catch(backOff);
      return;
    }
    logger.warn({ err: errorMessage(err), during, consumer: this.settings.consumer }, 'redis queue call failed, retrying');
    await backOff();
  }

  private async createGroup(startId: '$' | '0'): Promise<void> {
    const { group, commandTimeoutMs } = this.settings;
    await whenReady(this.producer, commandTimeoutMs);
    try {
      await this.producer.xgroup('CREATE', this.keys.stream, group, startId, 'MKSTREAM');
    } catch (err) {
      if (!isBusyGroup(err)) throw err;
    }
  }

  private freeSlots(): number {
    return Math.max(0, this.concurrency - this.running.size - this.waiting.length);
  }

  private pump(): void {
    const handler = this.handler;
    while (handler && this.running.size < this.concurrency && this.waiting.length > 0) {
      const entry = this.waiting.shift()!;
      const task = this.process(handler, entry).finally(() => {
        this.running.delete(entry.id);
        this.wake?.();
        this.pump();
      });
      this.running.set(entry.id, task);
    }
  }

  /** Handles one entry; never rejects. A failure leaves the entry pending, to be reclaimed and retried. */
  private async process(handler: BroadcastHandler, entry: StreamEntry): Promise<void> {
    const broadcast = decodeBroadcast(fieldOf(entry.fields, FIELD.broadcast));
    if (!broadcast) {
      // Retrying cannot fix bytes that do not decode: straight to the dead letters.
      await this.deadLetters.move(entry, 'poison: payload is not a msgpack broadcast', 1).catch((err) =>
        logger.warn({ err: errorMessage(err), entry: entry.id }, 'could not dead-letter poison entry, will retry'));
      return;
    }
    const order = orderOf(entry.fields);
    try {
      if (order) await this.order.awaitTurn(order.orderKey, order.seq);
      // The handler hands the broadcast to the workers before it returns; its promise settles on the PUBACKs.
      const delivered = handler(order ? { ...broadcast, orderKey: order.orderKey } : broadcast, { acceptedAt: acceptedAtOf(entry.id) });
      if (order) this.order.handedOff(order.orderKey, order.seq);
      await delivered;
      if (order) await this.order.markDone(order.orderKey, order.seq);
    } catch (err) {
      this.rememberError(entry.id, errorMessage(err));
      logger.warn({ err, entry: entry.id, consumer: this.settings.consumer }, 'broadcast failed, will be retried');
      return;
    }
    this.lastErrors.delete(entry.id);
    await this.acknowledge(entry.id);
  }

  /**
   * XACK with retries through a short outage: an entry handled but left unacknowledged would be delivered again.
   * If Redis stays away it is given up, and the entry is redelivered later (a duplicate, never a loss).
   */
  private async acknowledge(id: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.producer.xack(this.keys.stream, this.settings.group, id);
        return;
      } catch (err) {
        if (attempt >= 10) {
          logger.error({ err: errorMessage(err), entry: id }, 'could not acknowledge, entry will be delivered again');
          return;
        }
        await backOff();
      }
    }
  }

  private rememberError(id: string, message: string): void {
    // Bounded: a flood of failures must not grow memory; the oldest reason is the one forgotten.
    if (this.lastErrors.size >= 10_000) this.lastErrors.delete(this.lastErrors.keys().next().value!);
    this.lastErrors.set(id, message);
  }

  /** How often entries in hand get their idle time reset: well within claimIdleMs. */
  private touchEveryMs(): number {
    return Math.max(50, Math.floor(this.settings.claimIdleMs / 2));
  }

  private scheduleReclaim(): void {
    this.reclaimTimer = setTimeout(() => {
      this.reclaiming = this.reclaim()
        .catch((err) => (isNoGroup(err) ? this.recover(err, 'reclaim') : logger.warn(
          { err: errorMessage(err), consumer: this.settings.consumer }, 'reclaim failed, will try again')))
        .finally(() => {
          this.reclaiming = null;
          if (!this.stopping) this.scheduleReclaim();
        });
    }, Math.min(this.touchEveryMs(), Math.max(50, Math.floor(this.settings.nodeTtlMs / 2))));
  }

  /** One recovery round: keep ours fresh, take over dead consumers' entries, then any idle too long. */
  private async reclaim(): Promise<void> {
    await this.touchOwned();
    if (this.freeSlots() > 0 && !this.stopping) await this.admitReclaimed(await this.liveness.claimFromDead(this.freeSlots()));
    const { group, consumer, claimIdleMs } = this.settings;
    const { stream } = this.keys;
    for (let round = 0; round < 10 && !this.stopping; round++) {
      const free = this.freeSlots();
      if (free === 0) return;
      const [cursor, claimed, deleted] = (await this.producer.callBuffer('XAUTOCLAIM', [stream, group, consumer,
        claimIdleMs, this.claimCursor, 'COUNT', free])) as [Buffer, unknown, Buffer[] | undefined];
      this.claimCursor = cursor.toString();
      if (deleted?.length) {
        logger.error({ entries: deleted.map(String), stream }, 'pending entries were trimmed away before delivery');
      }
      await this.admitReclaimed(toEntries(claimed));
      if (this.claimCursor === '0-0') return;
    }
  }

  /**
   * Entries we hold are claimed again with JUSTID (resets their idle time, not their delivery count), so a long
   * fan-out is not mistaken for a dead consumer and duplicated by another node.
   */
  private async touchOwned(): Promise<void> {
    const ids = [...this.running.keys(), ...this.waiting.map((entry) => entry.id)];
    if (ids.length === 0) return;
    const { group, consumer } = this.settings;
    await this.producer.xclaim(this.keys.stream, group, consumer, 0, ...ids, 'JUSTID');
  }

  private async admitReclaimed(entries: StreamEntry[]): Promise<void> {
    const fresh = entries.filter((entry) => !this.running.has(entry.id) && !this.waiting.some((w) => w.id === entry.id));
    const deliveries = await this.deliveryCounts(fresh.map((entry) => entry.id));
    for (const entry of fresh) {
      // XAUTOCLAIM counted the take-over as a delivery: the ones before it were the attempts that did not succeed.
      const attempts = (deliveries.get(entry.id) ?? 1) - 1;
      if (attempts >= this.settings.maxAttempts) {
        const last = this.lastErrors.get(entry.id);
        // A failed move leaves the entry pending with us: the next round takes it over and tries again.
        await this.deadLetters.move(entry, `gave up after ${attempts} attempts${last ? `: ${last}` : ''}`, attempts)
          .then(() => this.lastErrors.delete(entry.id))
          .catch((err) => logger.warn({ err: errorMessage(err), entry: entry.id }, 'could not dead-letter entry'));
        continue;
      }
      logger.info({ entry: entry.id, attempts, consumer: this.settings.consumer }, 'reclaimed pending broadcast');
      this.waiting.push(entry);
    }
    this.pump();
  }

  /** Times delivered per id, from the pending entries list (XPENDING extended form, one id per range). */
  private async deliveryCounts(ids: string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (ids.length === 0) return counts;
    const pipeline = this.producer.pipeline();
    for (const id of ids) pipeline.xpending(this.keys.stream, this.settings.group, id, id, 1);
    for (const [err, rows] of (await pipeline.exec()) ?? []) {
      if (err) throw err;
      for (const [id, , , delivered] of rows as Array<[string, string, number, number]>) counts.set(id, delivered);
    }
    return counts;
  }

  /** Deletes our consumer from the group, but only with nothing pending on it: DELCONSUMER drops its pending list. */
  private async releaseConsumerName(): Promise<void> {
    const { group, consumer } = this.settings;
    const { stream } = this.keys;
    try {
      const pending = (await this.producer.xpending(stream, group, '-', '+', 1, consumer)) as unknown[];
      if (pending.length === 0) await this.producer.xgroup('DELCONSUMER', stream, group, consumer);
    } catch (err) {
      logger.warn({ err: errorMessage(err), consumer }, 'could not remove consumer name from the group');
    }
  }
}

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));
