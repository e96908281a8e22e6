import type { RedisKeys } from '../redis/keys.js';
import type { DinoRedis } from '../redis/scripts.js';

/** An intent's command handed to the connection, and its reply. */
export interface Issued {
  recorded: Promise<unknown>;
}

/** A message row a send is writing: what a lapsed intent's row is removed by. */
export interface IntendedRow {
  groupId: string;
  messageId: string;
}

/**
 * Send intents of one stream partition. The message rows and the stream commit apart (Cassandra, Redis): a process
 * that dies after writing a message's row and before appending its broadcast would leave a message nobody was told
 * of, and whose sender got no answer. So a send records its intent here first, with the partition's appends of the
 * same turn (StreamPartition.recordIntent), and writes its row once that command is in the connection's socket, not
 * once answered (see there); the append removes the intent in the same script (enqueueManyInOrder-n.lua). An intent
 * older than the grace (DINO_SEND_GRACE_MS) is taken by whichever API process sweeps first (`takeLapsed`), which
 * removes the row. A send whose intent was taken is refused at its append: a row is either announced or removed, never both. Intents
 * are also left by sends that failed otherwise (their rows already removed, or never written): sweeping them costs a
 * delete that finds nothing.
 *
 * An intent is `<ms> <group id>/<message id>` (a set member; SADD and SREM cost Redis less than a sorted set's), `ms`
 * being when the sending process recorded it (its clock: the grace covers the clocks' skew between processes). The
 * set holds the sends in flight, and the rows of processes that died: a sweep reads it whole.
 */
export class SendIntents {
  constructor(private readonly redis: DinoRedis, private readonly keys: RedisKeys) {}

  /**
   * Records intents in a command of their own, for a turn that appends nothing: they otherwise ride along with the
   * turn's appends (enqueueManyInOrder-n.lua), one round trip for both.
   */
  record(intents: readonly string[]): Promise<unknown> {
    return this.redis.sadd(this.keys.sendIntents, ...intents);
  }

  /**
   * Takes up to `max` lapsed intents, those recorded more than `graceMs` ago: each is moved (SMOVE, so by one taker
   * only, and for good: a late append no longer finds it) to the set of rows being undone, where it stays until its
   * row is removed (`undone`). What that set already holds (a taker that failed, or died, before removing its rows)
   * is taken again, first.
   */
  async takeLapsed(graceMs: number, max: number): Promise<Array<{ row: IntendedRow; intent: string }>> {
    const again = await this.redis.srandmember(this.keys.sendUndoing, max);
    const before = Date.now() - graceMs;
    const lapsed: string[] = [];
    let cursor = '0';
    do {
      const [next, members] = await this.redis.sscan(this.keys.sendIntents, cursor, 'COUNT', 1000);
      cursor = next;
      for (const member of members) if (recordedAt(member) < before && again.length + lapsed.length < max) lapsed.push(member);
    } while (cursor !== '0' && again.length + lapsed.length < max);
    let moved: string[] = [];
    if (lapsed.length > 0) {
      const pipeline = this.redis.pipeline();
      for (const intent of lapsed) pipeline.smove(this.keys.sendIntents, this.keys.sendUndoing, intent);
      const replies = (await pipeline.exec()) ?? [];
      moved = lapsed.filter((_, i) => !replies[i]![0] && replies[i]![1] === 1);
    }
    return [...again, ...moved].map((intent) => ({ row: intendedRowOf(intent), intent }));
  }

  /** A taken intent whose row is removed: forgotten. */
  async undone(intent: string): Promise<void> {
    await this.redis.srem(this.keys.sendUndoing, intent);
  }
}

/** The intent of a row, recorded now. */
export const intentOf = ({ groupId, messageId }: IntendedRow): string => `${Date.now()} ${groupId}/${messageId}`;

const recordedAt = (intent: string): number => Number(intent.slice(0, intent.indexOf(' ')));

/** The row an intent is about. */
export function intendedRowOf(intent: string): IntendedRow {
  const slash = intent.lastIndexOf('/');
  return { groupId: intent.slice(intent.indexOf(' ') + 1, slash), messageId: intent.slice(slash + 1) };
}
