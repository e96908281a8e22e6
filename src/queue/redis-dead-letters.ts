import type { ChainableCommander } from 'ioredis';
import type { Broadcast } from '../core/ports/queue.js';
import { decodeBroadcast, FIELD, fieldOf, orderOf, toEntries, type StreamEntry } from './redis-codec.js';
import { appendBroadcast, markDone } from './redis-order.js';
import { logger } from '../log.js';
import type { QueueRecorder } from '../metrics/recorders.js';
import type { RedisKeys } from '../redis/keys.js';
import { transaction, type DinoRedis } from '../redis/scripts.js';

/** A broadcast that was given up on, as kept in the dead-letter stream. */
export interface DeadLetter {
  /** The dead-letter entry's own id: what `replay` takes. */
  id: string;
  /** The id the entry had in the broadcast stream. */
  originalId: string;
  reason: string;
  attempts: number;
  /** When it was moved, in ms since the epoch. */
  failedAt: number;
  /** Null for a payload that could not be decoded: such entries are kept for inspection but cannot be replayed. */
  broadcast: Broadcast | null;
}

export interface ReplayResult {
  replayed: string[];
  /** Ids that were not replayed: unknown, or not a decodable broadcast. */
  skipped: string[];
}

export interface DeadLetterSettings {
  group: string;
  maxLen: number;
}

const PAGE = 100;
/** What a dead entry holds before the original's fields: its id there, why it died, after how many tries, when (ms). */
const META_FIELDS = ['id', 'reason', 'attempts', 'at'] as const;

/**
 * The dead-letter stream of one broadcast stream. A dead entry holds our metadata first, then every field of the
 * original entry unchanged, so even a poison entry keeps its raw bytes for inspection.
 */
export class DeadLetterStream {
  constructor(
    private readonly redis: DinoRedis,
    private readonly keys: RedisKeys,
    private readonly settings: DeadLetterSettings,
    private readonly metrics: QueueRecorder,
  ) {}

  /**
   * Moves a pending entry to the dead letters and acknowledges it, atomically (MULTI), so it is never in both. A
   * keyed entry is settled too: nobody delivers it any more, so its number is marked done and the key's next
   * broadcast does not wait DINO_ORDER_WAIT_MS for it.
   */
  async move(entry: StreamEntry, reason: string, attempts: number): Promise<void> {
    const { group, maxLen } = this.settings;
    const meta = [entry.id, reason, attempts, Date.now()];
    const block = transaction(this.redis);
    block.xadd(this.keys.deadLetters, 'MAXLEN', '~', maxLen, '*',
      ...META_FIELDS.flatMap((name, i) => [name, meta[i]!]), ...entry.fields);
    block.xack(this.keys.stream, group, entry.id);
    const order = orderOf(entry.fields);
    if (order) markDone(block, this.keys, order.orderKey, order.seq);
    await execAll(block);
    this.metrics.deadLettered();
    logger.error({ entry: entry.id, reason, attempts, stream: this.keys.stream }, 'broadcast moved to dead letters');
  }

  /** The oldest `limit` dead letters. */
  async list(limit = PAGE): Promise<DeadLetter[]> {
    const raw = await this.redis.xrangeBuffer(this.keys.deadLetters, '-', '+', 'COUNT', limit);
    return toEntries(raw).map(toDeadLetter);
  }

  /**
   * Enqueues dead letters again as new broadcast entries (fresh delivery count) and deletes them from the dead
   * letters, each atomically. Without ids, every replayable dead letter is replayed.
   *
   * A group's broadcast keeps its order key and is numbered afresh, as if sent now. Its old number points at a
   * predecessor settled long ago: once the key's "done" mark has expired (24 h quiet) it would wait
   * DINO_ORDER_WAIT_MS for nothing, and the broadcasts sent after it were delivered meanwhile anyway. A new number
   * makes it wait only for the key's latest broadcast (settled, or in flight now), keeps replayed ones in their
   * order, and makes what is sent after the replay wait for it.
   */
  async replay(ids?: string[]): Promise<ReplayResult> {
    const result: ReplayResult = { replayed: [], skipped: [] };
    for await (const entry of ids ? this.entries(ids, result.skipped) : this.allEntries()) {
      const bytes = fieldOf(entry.fields, FIELD.broadcast);
      if (!decodeBroadcast(bytes)) {
        result.skipped.push(entry.id);
        continue;
      }
      const block = transaction(this.redis);
      appendBroadcast(block, this.keys, this.settings.maxLen, bytes!, orderOf(entry.fields)?.orderKey);
      block.xdel(this.keys.deadLetters, entry.id);
      await execAll(block);
      result.replayed.push(entry.id);
    }
    if (result.replayed.length > 0) logger.info({ replayed: result.replayed.length }, 'dead letters replayed');
    return result;
  }

  private async *entries(ids: string[], missing: string[]): AsyncGenerator<StreamEntry> {
    for (const id of ids) {
      const [entry] = toEntries(await this.redis.xrangeBuffer(this.keys.deadLetters, id, id));
      if (entry) yield entry;
      else missing.push(id);
    }
  }

  /** Pages through the stream with an exclusive cursor, so deleting replayed entries does not disturb the walk. */
  private async *allEntries(): AsyncGenerator<StreamEntry> {
    let start = '-';
    for (;;) {
      const page = toEntries(await this.redis.xrangeBuffer(this.keys.deadLetters, start, '+', 'COUNT', PAGE));
      yield* page;
      if (page.length < PAGE) return;
      start = `(${page[page.length - 1]!.id}`;
    }
  }
}

/** Runs a MULTI block; any command's error fails the whole call (EXEC does not roll back, but each step here is
 * harmless to repeat or to have half-done: a duplicate dead letter or replay, never a lost entry). */
async function execAll(transaction: ChainableCommander): Promise<void> {
  const results = await transaction.exec();
  const failure = results?.find(([err]) => err)?.[0];
  if (!results || failure) throw failure ?? new Error('Redis transaction aborted');
}

function toDeadLetter(entry: StreamEntry): DeadLetter {
  const [originalId, reason, attempts, at] = META_FIELDS.map((name) => fieldOf(entry.fields, name)?.toString() ?? '');
  return {
    id: entry.id,
    originalId: originalId!,
    reason: reason!,
    attempts: Number(attempts),
    failedAt: Number(at),
    broadcast: decodeBroadcast(fieldOf(entry.fields, FIELD.broadcast)),
  };
}
