import type { Redis } from 'ioredis';
import type { BroadcastProgress, QueueBacklog } from '../core/ports/queue.js';
import { logger } from '../log.js';
import type { QueueRecorder } from '../metrics/recorders.js';
import type { RedisKeys } from '../redis/keys.js';
import { transaction, type DinoRedis } from '../redis/scripts.js';
import { StreamBacklog } from './redis-backlog.js';
import { toEntries, type StreamEntry } from './redis-codec.js';
import { DeadLetterStream } from './redis-dead-letters.js';
import { claimFromDead } from './redis-liveness.js';
import { appendBroadcast, appendManyInOrder, markDone, StreamOrder, type KeyedEntry } from './redis-order.js';
import { chunksByKey, TurnBatch } from '../core/turn-batch.js';
import type { QueueSettings } from './redis-tuning.js';
import { SendIntents, type Issued } from './redis-send-intents.js';
import { Errors } from '../core/errors.js';

const isBusyGroup = (err: unknown) => err instanceof Error && err.message.startsWith('BUSYGROUP');
export const isNoGroup = (err: unknown) => err instanceof Error && err.message.startsWith('NOGROUP');
export const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));
export const backOff = () => new Promise((resolve) => setTimeout(resolve, 500 + Math.random() * 500));
/**
 * Recipients per progress chunk. Broadcasts up to this size are not tracked (a restart costs at most this many
 * duplicates); larger ones record each chunk once its PUBACKs are in: one SADD per 1 000 deliveries.
 */
export const PROGRESS_CHUNK = 1000;
/** Progress of a broadcast nobody acknowledged nor dead-lettered (its stream entry trimmed) goes after this long. */
const PROGRESS_TTL_MS = 24 * 3600 * 1000;
/** Keyed broadcasts appended by one script call at most: a turn's appends, in calls of bounded size. */
const APPEND_CHUNK = { maxItems: 128, maxBytes: 1024 * 1024 };

/**
 * One stream of the broadcast queue (DINO_STREAM_PARTITIONS of them) and what belongs to it: its consumer group, its
 * order counters, its dead letters. Every command here touches keys of this partition only, so on Redis Cluster each
 * goes to the one node holding the partition's slot. The queue (redis.ts) reads every partition and shares its
 * handler slots among them.
 */
export class StreamPartition {
  readonly order: StreamOrder;
  readonly deadLetters: DeadLetterStream;
  readonly intents: SendIntents;
  private readonly backlog: StreamBacklog;
  private groupReady: Promise<void> | null = null;
  private claimCursor = '0-0';
  /**
   * The keyed broadcasts of one turn (concurrent sends), appended together, and the send intents of the turn's new
   * sends with them: one round trip, one script call.
   */
  private readonly turn = new TurnBatch<KeyedEntry | { intent: string }, unknown>((items) => this.writeTurn(items));

  constructor(
    readonly index: number,
    readonly keys: RedisKeys,
    private readonly producer: DinoRedis,
    /** This partition's own connection for blocking reads: one blocked XREADGROUP must not hold up the others. */
    readonly reader: Redis,
    private readonly settings: QueueSettings,
    metrics: QueueRecorder,
  ) {
    this.deadLetters = new DeadLetterStream(producer, keys, settings, metrics);
    this.backlog = new StreamBacklog(producer, keys.stream, settings.group);
    this.order = new StreamOrder(producer, keys, settings.orderWaitMs);
    this.intents = new SendIntents(producer, keys);
  }

  /** Makes sure the consumer group exists (created at the stream's end: a new group starts with what comes next). */
  connect(): Promise<void> {
    this.groupReady ??= this.createGroup('$').catch((err) => {
      this.groupReady = null;
      throw err;
    });
    return this.groupReady;
  }

  async createGroup(startId: '$' | '0'): Promise<void> {
    try {
      await this.producer.xgroup('CREATE', this.keys.stream, this.settings.group, startId, 'MKSTREAM');
    } catch (err) {
      if (!isBusyGroup(err)) throw err;
    }
  }

  /**
   * Appends a broadcast; `intent`: the send intent (redis-send-intents.ts) its append removes, refused (rejects) if it
   * is gone meanwhile. Only keyed broadcasts (a group's) carry one.
   */
  append(encoded: Buffer, orderKey: string | undefined, intent?: string): Promise<unknown> {
    if (orderKey !== undefined) return this.turn.add({ encoded, orderKey, intent });
    if (intent !== undefined) throw new Error('a send intent needs an order key');
    return appendBroadcast(this.producer, this.keys, this.settings.maxLen, encoded);
  }

  /**
   * Records a send intent with this turn's appends, and resolves once the command is in the connection's socket, its
   * reply still to come (`recorded`): a row written after this reaches its server after the intent reached Redis,
   * whatever happens to this process next. Scripts and SADD leave unpipelined (redis/client.ts), so on one server
   * that is at once; when the command waits in the client instead (`inSocket`), it resolves with the reply. The append
   * that follows on the same connection runs after it; should the intent have failed, the append finds none and is
   * refused, and the row undone.
   */
  recordIntent(intent: string): Promise<Issued> {
    return this.turn.add({ intent }) as Promise<Issued>;
  }

  /**
   * Whether the commands issued so far have all left the client for the kernel: a connection to one server, ready,
   * with nothing waiting in its socket's buffer. Not on a cluster, whose client may hold a command back (a node not
   * connected yet, a redirection).
   */
  private inSocket(): boolean {
    const client = this.producer as unknown as { isCluster: boolean; status: string; stream?: { writableLength: number } };
    return !client.isCluster && client.status === 'ready' && client.stream?.writableLength === 0;
  }

  private writeTurn(items: Array<KeyedEntry | { intent: string }>): Array<Promise<unknown>> {
    const intents: string[] = [];
    const entries: KeyedEntry[] = [];
    for (const item of items) {
      if ('encoded' in item) entries.push(item);
      else intents.push(item.intent);
    }
    const appends = new Map<KeyedEntry, Promise<unknown>>();
    let recorded: Promise<unknown> | undefined = intents.length > 0 && entries.length === 0 ? this.intents.record(intents) : undefined;
    for (const chunk of chunksByKey(entries, () => '', (e) => e.encoded.length, APPEND_CHUNK)) {
      const appended = appendManyInOrder(this.producer, this.keys, this.settings.maxLen, chunk,
        recorded ? [] : intents) as Promise<Array<string | null>>;
      recorded ??= appended;
      chunk.forEach((entry, i) => appends.set(entry, appended.then((ids) => {
        if (ids[i] === null) throw Errors.sendLapsed(this.settings.sendGraceMs);
        return ids[i];
      })));
    }
    let issued: Promise<Issued> | undefined;
    if (recorded && intents.length > 0) {
      recorded.catch(() => undefined); // seen by whoever awaits `recorded`
      const done = recorded;
      issued = this.inSocket() ? Promise.resolve({ recorded: done }) : done.then(() => ({ recorded: done }));
    }
    return items.map((item) => ('encoded' in item ? appends.get(item)! : issued!));
  }

  backlogFigures(): Promise<QueueBacklog> {
    return this.backlog.figures();
  }

  /** Entries not yet acknowledged, read or not. */
  backlogNow(): Promise<number> {
    return this.backlog.current();
  }

  /** Up to `count` new entries for us, waiting up to blockMs for the first. */
  async read(count: number): Promise<StreamEntry[]> {
    const { group, consumer, blockMs } = this.settings;
    const reply = await this.reader.xreadgroupBuffer('GROUP', group, consumer, 'COUNT', count, 'BLOCK', blockMs,
      'STREAMS', this.keys.stream, '>');
    return (reply ?? []).flatMap(([, items]) => toEntries(items));
  }

  /**
   * A delivered entry, in one round trip: its order key's done mark moved (keyed entries), the entry acknowledged,
   * and its progress forgotten (entries large enough to have any). Retried through a short outage, each part until it
   * took (all are idempotent; a MULTI does not roll back, so one may take while another fails): an entry handled but
   * left unacknowledged would be delivered again. If Redis stays away it is given up: an unacknowledged entry is
   * redelivered later (a duplicate, never a loss); a missing mark makes successors taken by other nodes wait
   * DINO_ORDER_WAIT_MS. Resolves with whether the mark was set.
   */
  async acknowledge(id: string, { done, hadProgress }: { done?: { orderKey: string; seq: number }; hadProgress: boolean }): Promise<boolean> {
    let [marked, acked] = [done === undefined, false];
    for (let attempt = 1; ; attempt++) {
      try {
        const block = transaction(this.producer);
        if (!marked) markDone(block, this.keys, done!.orderKey, done!.seq);
        if (!acked) block.xack(this.keys.stream, this.settings.group, id);
        if (!acked && hadProgress) block.del(this.keys.progress(id));
        const replies = [...((await block.exec()) ?? [])];
        const markReply = marked ? undefined : replies.shift();
        const ackReply = acked ? undefined : replies.shift();
        marked ||= markReply !== undefined && !markReply[0];
        acked ||= ackReply !== undefined && !ackReply[0];
        if (marked && acked) return done !== undefined;
        throw markReply?.[0] ?? ackReply?.[0] ?? new Error('MULTI gave no reply');
      } catch (err) {
        if (attempt >= 10) {
          if (!acked) logger.error({ err: errorMessage(err), entry: id }, 'could not acknowledge, entry will be delivered again');
          else logger.error({ err: errorMessage(err), entry: id, orderKey: done?.orderKey }, 'could not mark a broadcast done: its successors on other nodes wait DINO_ORDER_WAIT_MS');
          return false;
        }
        await backOff();
      }
    }
  }

  /**
   * The progress of entry `id` with `recipients` recipients, or undefined for a small one. Chunks done earlier are
   * read only for an entry taken over (`resumed`): a first delivery has none.
   */
  async progress(id: string, recipients: number, resumed: boolean): Promise<BroadcastProgress | undefined> {
    if (recipients <= PROGRESS_CHUNK) return undefined;
    const key = this.keys.progress(id);
    const done = resumed ? new Set((await this.producer.smembers(key)).map(Number)) : new Set<number>();
    if (done.size > 0) logger.info({ entry: id, chunksDone: done.size, chunkSize: PROGRESS_CHUNK }, 'resuming broadcast');
    const record = (chunk: number) => {
      this.producer.multi().sadd(key, chunk).pexpire(key, PROGRESS_TTL_MS).exec()
        .catch((err: unknown) => logger.warn({ err: errorMessage(err), entry: id }, 'could not record broadcast progress'));
    };
    return { chunkSize: PROGRESS_CHUNK, done, record };
  }

  /** Claims our own entries again with JUSTID: resets their idle time (not their delivery count). */
  async touch(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.producer.xclaim(this.keys.stream, this.settings.group, this.settings.consumer, 0, ...ids, 'JUSTID');
  }

  claimFromDead(max: number): Promise<StreamEntry[]> {
    return claimFromDead(this.producer, this.keys, this.settings, max);
  }

  /** Up to `max` entries idle longer than claimIdleMs on any consumer, walking the pending list round by round. */
  async claimIdle(max: number): Promise<{ entries: StreamEntry[]; wrapped: boolean }> {
    const { group, consumer, claimIdleMs } = this.settings;
    const { stream } = this.keys;
    // ioredis has the binary form at run time, not in its types (and `callBuffer` breaks under auto-pipelining).
    const producer = this.producer as unknown as { xautoclaimBuffer(...args: Array<string | number>): Promise<unknown> };
    const [cursor, claimed, deleted] = (await producer.xautoclaimBuffer(stream, group, consumer,
      claimIdleMs, this.claimCursor, 'COUNT', max)) as [Buffer, unknown, Buffer[] | undefined];
    this.claimCursor = cursor.toString();
    if (deleted?.length) logger.error({ entries: deleted.map(String), stream }, 'pending entries were trimmed away before delivery');
    return { entries: toEntries(claimed), wrapped: this.claimCursor === '0-0' };
  }

  /** Times delivered per id, from the pending entries list (XPENDING extended form, one id per range). */
  async deliveryCounts(ids: string[]): Promise<Map<string, number>> {
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
  async releaseConsumerName(): Promise<void> {
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
