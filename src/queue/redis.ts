import type { Broadcast, BroadcastHandler, BroadcastProgress, BroadcastQueue, Delivery, QueueBacklog } from '../core/ports/queue.js';
import { acceptedAtOf, decodeBroadcast, encodeBroadcast, FIELD, fieldOf, orderOf, type StreamEntry } from './redis-codec.js';
import type { DeadLetter, ReplayResult } from './redis-dead-letters.js';
import { DinoError, Errors } from '../core/errors.js';
import { logger } from '../log.js';
import { noQueueRecorder, type QueueRecorder } from '../metrics/recorders.js';
import { clientName, createRedisClient, quit, whenReady } from '../redis/client.js';
import { NodeLiveness } from './redis-liveness.js';
import { backOff, errorMessage, isNoGroup, StreamPartition } from './redis-partition.js';
import { partitionKeys } from '../redis/keys.js';
import type { DinoRedis } from '../redis/scripts.js';
import { crc16 } from '../redis/slots.js';
import { isClusterUrl } from '../redis/target.js';
import { queueSettings, type QueueSettings, type QueueTuning } from './redis-tuning.js';
import { intentOf, type IntendedRow } from './redis-send-intents.js';
import type { RedisConfig } from '../config.js';

export type { QueueTuning } from './redis-tuning.js';
export type { DeadLetter, ReplayResult } from './redis-dead-letters.js';

/** Share of the stream cap at which new entries are refused, so trimming never reaches undelivered ones. */
const BACKLOG_LIMIT = 0.9;

/** An entry in hand, with the partition it came from (entry ids are unique only within one stream). */
interface Held {
  partition: StreamPartition;
  entry: StreamEntry;
  /** Taken over from another consumer (or retried): it may have progress recorded. */
  resumed?: boolean;
}
const heldId = ({ partition, entry }: Held) => `${partition.index}/${entry.id}`;

/**
 * Broadcast queue on Redis Streams read through a consumer group, so any number of fan-out nodes share the work. The
 * stream may be split in DINO_STREAM_PARTITIONS partitions (redis-partition.ts): a group's broadcasts always go to
 * the same one (order per group holds), others are spread round-robin; every node reads every partition.
 * An entry is acknowledged only after its handler resolved; entries left pending (handler failed, node died) are
 * taken over at once from a consumer whose liveness keys lapsed (redis-liveness.ts), else with XAUTOCLAIM after
 * `claimIdleMs`, and after `maxAttempts` deliveries moved to a dead-letter stream.
 * Needs Redis 7.0 or later (XAUTOCLAIM's reply form and its cleaning of trimmed entries).
 */
export class RedisStreamQueue implements BroadcastQueue {
  readonly kind = 'redis';
  readonly settings: QueueSettings;
  private readonly producer: DinoRedis;
  private readonly partitions: StreamPartition[];
  private readonly liveness: NodeLiveness;
  /** Every partition's consumer group is known to exist (checked once; a deleted one is created again on NOGROUP). */
  private groupsReady = false;
  /** Where the next broadcast without an order key goes. */
  private nextPartition = 0;

  private handler: BroadcastHandler | null = null;
  private concurrency = 4;
  /** Entries delivered to us, waiting for a free handler slot. */
  private readonly waiting: Held[] = [];
  /** Entries being handled (and then acknowledged), by `heldId`. */
  private readonly running = new Map<string, Promise<void>>();
  /** Last handler error per pending entry, so a dead letter can say why. */
  private readonly lastErrors = new Map<string, string>();
  private stopping = false;
  private stopped: Promise<void> | null = null;
  private readLoops: Promise<void[]> | null = null;
  private reclaimTimer: NodeJS.Timeout | null = null;
  private reclaiming: Promise<void> | null = null;
  /** Read loops waiting for a free handler slot. */
  private readonly wakers = new Set<() => void>();
  private terminated = false;

  constructor(redis: RedisConfig, tuning: QueueTuning = {}, metrics: QueueRecorder = noQueueRecorder) {
    this.settings = queueSettings(redis, tuning);
    const { url, consumer, commandTimeoutMs, blockMs, partitions, autoPipelining } = this.settings;
    // Concurrent requests' XADDs (and script calls) issued in one tick leave as one pipeline: one round trip.
    this.producer = createRedisClient(url, { name: clientName(consumer, 'producer'), commandTimeoutMs, autoPipelining });
    const keys = partitionKeys({ stream: this.settings.stream, partitions, cluster: isClusterUrl(url) });
    // XREADGROUP BLOCK holds its connection, so each partition's reads get their own and never delay enqueue or acks.
    this.partitions = keys.map((partitionKeys, index) => new StreamPartition(index, partitionKeys, this.producer,
      createRedisClient(url, { name: clientName(consumer, 'reader'), commandTimeoutMs, blockMs }), this.settings, metrics));
    this.liveness = new NodeLiveness(this.producer, keys, this.settings);
  }

  get consumer(): string {
    return this.settings.consumer;
  }

  /** Connects and makes sure every partition's consumer group exists. Called by every operation; exposed to fail fast at start. */
  async connect(): Promise<void> {
    await whenReady(this.producer, this.settings.commandTimeoutMs);
    if (this.groupsReady) return;
    await Promise.all(this.partitions.map((partition) => partition.connect()));
    this.groupsReady = true;
  }

  enqueue(broadcast: Broadcast): Promise<void> {
    return this.append(broadcast);
  }

  /**
   * Redis and the storage commit apart: the stream entry is added once the write is durable. The write of a new
   * message's row (`broadcast.stored`, not a revision) is preceded by its send intent (redis-send-intents.ts), so a
   * row whose process died before the append is removed by `undoLapsedSends`.
   */
  async enqueueAfter(write: () => Promise<unknown>, broadcast: Broadcast): Promise<void> {
    const intended = broadcast.stored?.revisedAt === null && broadcast.orderKey !== undefined ? broadcast.stored.message : undefined;
    if (!intended) {
      await write();
      return this.append(broadcast);
    }
    const intent = intentOf(intended);
    const { recorded } = await this.reachable(() => this.partitionFor(broadcast.orderKey).recordIntent(intent));
    await write();
    try {
      await this.append(broadcast, intent);
    } catch (err) {
      // Refused for want of its intent: say why, if Redis refused the intent itself.
      await recorded.catch((why: unknown) => {
        throw Errors.queueUnavailable('broadcast queue (Redis) did not record the send', why);
      });
      throw err;
    }
  }

  /**
   * Removes, through `undo`, the rows of sends whose intent is older than DINO_SEND_GRACE_MS (their process died
   * between the row and the append, or is that late: its append is then refused). Resolves with how many were undone;
   * rejects if some could not be, which the next call tries again.
   */
  async undoLapsedSends(undo: (row: IntendedRow) => Promise<void>): Promise<number> {
    await this.connect();
    let [undone, failed] = [0, 0];
    let firstError: unknown;
    for (const partition of this.partitions) {
      const taken = await partition.intents.takeLapsed(this.settings.sendGraceMs, 100);
      const results = await Promise.allSettled(taken.map(async ({ row, intent }) => {
        await undo(row);
        await partition.intents.undone(intent);
      }));
      for (const result of results) {
        if (result.status === 'fulfilled') {
          undone++;
        } else {
          failed++;
          firstError ??= result.reason;
        }
      }
    }
    if (failed > 0) throw new Error(`${failed} lapsed send(s) not undone, kept for the next pass (${undone} undone): ${errorMessage(firstError)}`);
    return undone;
  }

  private append(broadcast: Broadcast, intent?: string): Promise<void> {
    return this.reachable(async () => {
      const partition = this.partitionFor(broadcast.orderKey);
      if ((await partition.backlogNow()) >= this.settings.maxLen * BACKLOG_LIMIT) {
        throw Errors.queueFull(`backlog near DINO_STREAM_MAXLEN ${this.settings.maxLen}`);
      }
      await partition.append(encodeBroadcast(broadcast), broadcast.orderKey, intent);
    });
  }

  /** Runs `call` once connected; a failure that is no DinoError is answered as the queue being unavailable. */
  private async reachable<T>(call: () => Promise<T>): Promise<T> {
    try {
      // Rides out a reconnect shorter than commandTimeoutMs; a longer outage is answered as unavailable.
      if (this.producer.status !== 'ready' || !this.groupsReady) await this.connect();
      return await call();
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
    if (this.readLoops) return;
    this.liveness.start();
    this.readLoops = Promise.all(this.partitions.map((partition) => this.readForever(partition)));
    this.scheduleReclaim();
  }

  stopConsuming(): Promise<void> {
    if (!this.readLoops) return this.stopped ?? Promise.resolve();
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

  /** XINFO GROUPS' figures for our group, summed over the partitions, each at most REFRESH_MS old (redis-backlog.ts). */
  async backlog(): Promise<QueueBacklog> {
    await this.connect();
    const figures = await Promise.all(this.partitions.map((partition) => partition.backlogFigures()));
    return figures.reduce((sum, { pending, lag }) => ({ pending: sum.pending + pending, lag: sum.lag + lag }), { pending: 0, lag: 0 });
  }

  async close(): Promise<void> {
    await this.stopConsuming();
    await Promise.all([quit(this.producer), ...this.partitions.map((partition) => quit(partition.reader))]);
  }

  /**
   * Drops every connection at once, leaving whatever is in hand pending for other consumers to reclaim: what a crash
   * does. For tests of recovery and for an emergency exit; `close` is the graceful way.
   */
  terminate(): void {
    this.terminated = true;
    this.stopping = true;
    if (this.reclaimTimer) clearTimeout(this.reclaimTimer);
    this.liveness.halt(); // our keys lapse: the others take over what we held after nodeTtlMs
    this.wakeReaders();
    // Nothing is waited for: handlers still running are abandoned, as in a crash.
    this.handler = null;
    this.readLoops = null;
    this.producer.disconnect();
    for (const partition of this.partitions) partition.reader.disconnect();
  }

  /**
   * The oldest `limit` dead letters. With several partitions an id is `<partition>/<id>` (ids are unique only within
   * one stream), which is what `replayDeadLetters` takes. Connects first: `dino dead-letters` calls this on a queue
   * that has done nothing else.
   */
  async listDeadLetters(limit?: number): Promise<DeadLetter[]> {
    await this.connect();
    if (this.partitions.length === 1) return this.partitions[0]!.deadLetters.list(limit);
    const lists = await Promise.all(this.partitions.map(async (partition) =>
      (await partition.deadLetters.list(limit)).map((letter) => ({ ...letter, id: `${partition.index}/${letter.id}` }))));
    return lists.flat().sort((a, b) => a.failedAt - b.failedAt).slice(0, limit ?? Infinity);
  }

  async replayDeadLetters(ids?: string[]): Promise<ReplayResult> {
    await this.connect(); // also makes sure the groups exist, so what is replayed is read from the start
    if (this.partitions.length === 1) return this.partitions[0]!.deadLetters.replay(ids);
    const result: ReplayResult = { replayed: [], skipped: [] };
    for (const partition of this.partitions) {
      const prefix = `${partition.index}/`;
      const mine = ids?.filter((id) => id.startsWith(prefix)).map((id) => id.slice(prefix.length));
      if (mine?.length === 0) continue;
      const done = await partition.deadLetters.replay(mine);
      result.replayed.push(...done.replayed.map((id) => prefix + id));
      result.skipped.push(...done.skipped.map((id) => prefix + id));
    }
    result.skipped.push(...(ids ?? []).filter((id) => !this.partitions.some((p) => id.startsWith(`${p.index}/`))));
    return result;
  }

  private partitionFor(orderKey: string | undefined): StreamPartition {
    const count = this.partitions.length;
    if (count === 1) return this.partitions[0]!;
    // One group, one partition: its broadcasts keep their order. The rest are spread evenly.
    const index = orderKey === undefined ? this.nextPartition++ % count : crc16(orderKey) % count;
    return this.partitions[index]!;
  }

  /** Graceful stop: no new reads or claims, everything in hand handled and acknowledged, our name left tidy. */
  private async finish(): Promise<void> {
    this.stopping = true;
    if (this.reclaimTimer) clearTimeout(this.reclaimTimer);
    this.wakeReaders();
    await this.readLoops;
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
    await Promise.all(this.partitions.map((partition) => partition.releaseConsumerName()));
    await this.liveness.stop().catch((err) => logger.warn({ err: errorMessage(err) }, 'could not delete liveness keys'));
    this.handler = null;
    this.readLoops = null;
    this.stopping = false;
  }

  private async readForever(partition: StreamPartition): Promise<void> {
    while (!this.stopping) {
      const free = this.freeSlots();
      if (free === 0) {
        await new Promise<void>((resolve) => this.wakers.add(resolve));
        continue;
      }
      try {
        await this.connect();
        await whenReady(partition.reader, this.settings.commandTimeoutMs);
        await this.liveness.ensure();
        // Entries read are ours (pending) even if we are stopping meanwhile: they are handled, not dropped.
        for (const entry of await partition.read(Math.min(this.settings.batch, free))) this.waiting.push({ partition, entry });
        this.pump();
      } catch (err) {
        if (this.stopping) break;
        await this.recover(err, 'read', partition);
      }
    }
  }

  private wakeReaders(): void {
    for (const wake of this.wakers) wake();
    this.wakers.clear();
  }

  /** After a failed Redis call: a vanished group is recreated, anything else waited out (ioredis reconnects). */
  private async recover(err: unknown, during: string, partition: StreamPartition): Promise<void> {
    if (isNoGroup(err)) {
      // The group (or the whole stream) is gone, e.g. Redis restarted without persistence: everything now in the
      // stream arrived after that and was never delivered, so the new group starts from the beginning.
      logger.warn({ stream: partition.keys.stream, group: this.settings.group }, 'consumer group missing, recreating');
      partition.order.forgetAll();
      await partition.createGroup('0').catch(backOff);
      return;
    }
    logger.warn({ err: errorMessage(err), during, consumer: this.settings.consumer }, 'redis queue call failed, retrying');
    await backOff();
  }

  private freeSlots(): number {
    return Math.max(0, this.concurrency - this.running.size - this.waiting.length);
  }

  private pump(): void {
    const handler = this.handler;
    while (handler && this.running.size < this.concurrency && this.waiting.length > 0) {
      const held = this.waiting.shift()!;
      const id = heldId(held);
      const task = this.process(handler, held).finally(() => {
        this.running.delete(id);
        this.wakeReaders();
        this.pump();
      });
      this.running.set(id, task);
    }
  }

  /** Handles one entry; never rejects. A failure leaves the entry pending, to be reclaimed and retried. */
  private async process(handler: BroadcastHandler, held: Held): Promise<void> {
    const { partition, entry } = held;
    const broadcast = decodeBroadcast(fieldOf(entry.fields, FIELD.broadcast));
    if (!broadcast) {
      // Retrying cannot fix bytes that do not decode: straight to the dead letters.
      await partition.deadLetters.move(entry, 'poison: payload is not a msgpack broadcast', 1).catch((err) =>
        logger.warn({ err: errorMessage(err), entry: entry.id }, 'could not dead-letter poison entry, will retry'));
      return;
    }
    const order = orderOf(entry.fields);
    const acceptedAt = acceptedAtOf(entry.id);
    let progress: BroadcastProgress | undefined;
    try {
      if (order) await partition.order.awaitTurn(order.orderKey, order.seq);
      progress = await partition.progress(entry.id, broadcast.userIds.length, held.resumed === true);
      // The handler hands the broadcast to the workers before it returns; its promise settles on the PUBACKs.
      const delivery: Delivery = { acceptedAt };
      if (progress) delivery.progress = progress;
      const delivered = handler(order ? { ...broadcast, orderKey: order.orderKey } : broadcast, delivery);
      if (order) partition.order.handedOff(order.orderKey, order.seq, acceptedAt);
      await delivered;
    } catch (err) {
      if (order) partition.order.gaveUp(order.orderKey, order.seq);
      this.rememberError(heldId(held), errorMessage(err));
      logger.warn({ err, entry: entry.id, consumer: this.settings.consumer }, 'broadcast failed, will be retried');
      return;
    }
    this.lastErrors.delete(heldId(held));
    // Its successors may go once it is marked done; marked with its acknowledgement, in the same round trip.
    if (await partition.acknowledge(entry.id, { done: order ?? undefined, hadProgress: progress !== undefined })) {
      partition.order.markedDone(order!.orderKey, order!.seq);
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
        .catch((err) => logger.warn({ err: errorMessage(err), consumer: this.settings.consumer }, 'reclaim failed, will try again'))
        .finally(() => {
          this.reclaiming = null;
          if (!this.stopping) this.scheduleReclaim();
        });
    }, Math.min(this.touchEveryMs(), Math.max(50, Math.floor(this.settings.nodeTtlMs / 2))));
  }

  /** One recovery round: keep ours fresh, take over dead consumers' entries, then any idle too long. */
  private async reclaim(): Promise<void> {
    await this.touchOwned();
    for (const partition of this.partitions) {
      try {
        await this.reclaimFrom(partition);
      } catch (err) {
        if (isNoGroup(err)) await this.recover(err, 'reclaim', partition);
        else throw err;
      }
    }
  }

  private async reclaimFrom(partition: StreamPartition): Promise<void> {
    // A dead node's entries are taken at once even while our slots are busy (up to a second round of them): owned
    // here they wait for a slot, instead of waiting, unowned, for a node with a free one to notice them.
    const room = this.concurrency - this.waiting.length;
    if (room > 0 && !this.stopping) await this.admitReclaimed(partition, await partition.claimFromDead(room));
    for (let round = 0; round < 10 && !this.stopping; round++) {
      const free = this.freeSlots();
      if (free === 0) return;
      const { entries, wrapped } = await partition.claimIdle(free);
      await this.admitReclaimed(partition, entries);
      if (wrapped) return;
    }
  }

  /**
   * Entries we hold are claimed again with JUSTID (resets their idle time, not their delivery count), so a long
   * fan-out is not mistaken for a stuck consumer and duplicated by another node.
   */
  private async touchOwned(): Promise<void> {
    const held = [...this.running.keys()].map((id) => id.split('/') as [string, string])
      .concat(this.waiting.map(({ partition, entry }) => [String(partition.index), entry.id]));
    await Promise.all(this.partitions.map((partition) =>
      partition.touch(held.filter(([index]) => index === String(partition.index)).map(([, id]) => id))));
  }

  private async admitReclaimed(partition: StreamPartition, entries: StreamEntry[]): Promise<void> {
    const inHand = (entry: StreamEntry) => {
      const id = heldId({ partition, entry });
      return this.running.has(id) || this.waiting.some((held) => heldId(held) === id);
    };
    const fresh = entries.filter((entry) => !inHand(entry));
    const deliveries = await partition.deliveryCounts(fresh.map((entry) => entry.id));
    for (const entry of fresh) {
      const id = heldId({ partition, entry });
      // XAUTOCLAIM counted the take-over as a delivery: the ones before it were the attempts that did not succeed.
      const attempts = (deliveries.get(entry.id) ?? 1) - 1;
      if (attempts >= this.settings.maxAttempts) {
        const last = this.lastErrors.get(id);
        // A failed move leaves the entry pending with us: the next round takes it over and tries again.
        await partition.deadLetters.move(entry, `gave up after ${attempts} attempts${last ? `: ${last}` : ''}`, attempts)
          .then(() => this.lastErrors.delete(id))
          .catch((err) => logger.warn({ err: errorMessage(err), entry: entry.id }, 'could not dead-letter entry'));
        continue;
      }
      logger.info({ entry: entry.id, attempts, consumer: this.settings.consumer }, 'reclaimed pending broadcast');
      this.waiting.push({ partition, entry, resumed: true });
    }
    this.pump();
  }
}
