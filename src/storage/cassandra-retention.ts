import { isUuid } from '../core/ids.js';
import type cassandra from 'cassandra-driver';
import type { UndeletedMessages } from '../core/ports/storage.js';
import { nowMicros, type Micros } from '../core/time.js';
import type { CassandraAttachments } from './cassandra-attachments.js';
import { bucketRange, lowestTimeUuidAt } from './cassandra-buckets.js';
import { num } from './cassandra-helpers.js';
import { mapLimit } from '../core/batches.js';
import { toMemberRecord } from './cassandra-member-state.js';
import { MESSAGE_BUCKET_MICROS, messageBucket } from './cassandra-schema.js';

type Row = cassandra.types.Row;
type Run = (query: string, params: unknown[], opts?: { pageState?: string }) => Promise<cassandra.types.ResultSet>;
type AllRows = (query: string, params: unknown[]) => Promise<Row[]>;

/** Groups checked, and buckets deleted, at a time. */
const FAN_OUT = 16;

interface GroupFloor { groupId: string; firstMessageTime: Micros }

/** A group row counts only with its created_at (as the adapter's toGroup); never purged, its floor is created_at. */
function toGroupFloor(r: Row): GroupFloor | null {
  const createdAt = num(r['created_at']);
  return createdAt === null ? null
    : { groupId: String(r['group_id']), firstMessageTime: num(r['first_message_time']) ?? createdAt };
}

/**
 * The retention job's reads and deletes on Cassandra. The groups table is walked page by page (one page of rows in
 * memory); each group's members, kicked ones included, come from groups_by_user through its index on group_id.
 * A purge drops whole message buckets below `upTo` and cuts the last one with a range delete; the attachment
 * records of those messages go with them.
 */
export class CassandraRetention {
  private readonly q;

  constructor(ks: string, private readonly run: Run, private readonly allRows: AllRows,
    private readonly attachments: Pick<CassandraAttachments, 'purgeUpTo'>) {
    this.q = {
      groups: `SELECT group_id, created_at, first_message_time FROM ${ks}.groups`,
      group: `SELECT group_id, created_at, first_message_time FROM ${ks}.groups WHERE group_id = ?`,
      members: `SELECT group_id, user_id, join_time, delete_before FROM ${ks}.groups_by_user WHERE group_id = ?`,
      dropBucket: `DELETE FROM ${ks}.messages WHERE group_id = ? AND bucket = ?`,
      dropBefore: `DELETE FROM ${ks}.messages WHERE group_id = ? AND bucket = ? AND message_id < ?`,
      // Written with upTo as its cell timestamp: a later purge (higher upTo) wins, an earlier one never moves it back.
      moveFloor: `UPDATE ${ks}.groups USING TIMESTAMP ? SET first_message_time = ? WHERE group_id = ?`,
    };
  }

  async *candidates(): AsyncGenerator<UndeletedMessages> {
    let pageState: string | undefined;
    do {
      const page = await this.run(this.q.groups, [], { pageState });
      const groups = page.rows.map(toGroupFloor).filter((g): g is GroupFloor => g !== null);
      for (const found of await mapLimit(groups, FAN_OUT, (g) => this.check(g))) if (found) yield found;
      pageState = page.pageState ?? undefined;
    } while (pageState);
  }

  async purge(groupId: string, upTo: Micros): Promise<void> {
    if (!isUuid(groupId)) return;
    const row = (await this.run(this.q.group, [groupId])).first();
    const group = row ? toGroupFloor(row) : null;
    if (!group) return;
    // No message is newer than now: buckets past it are empty, however far ahead a delete_before was set.
    const buckets = [...bucketRange(messageBucket(group.firstMessageTime), messageBucket(Math.min(upTo, nowMicros())), true)];
    const cut = lowestTimeUuidAt(upTo + 1);
    await Promise.all([
      mapLimit(buckets, FAN_OUT, (bucket) => ((bucket + 1) * MESSAGE_BUCKET_MICROS - 1 <= upTo
        ? this.run(this.q.dropBucket, [groupId, bucket])
        : this.run(this.q.dropBefore, [groupId, bucket, cut]))),
      this.attachments.purgeUpTo(groupId, upTo),
    ]);
    // Last: until the floor moves, the group is listed again, so a purge cut short is finished by the next run.
    if (upTo > group.firstMessageTime) await this.run(this.q.moveFloor, [upTo, upTo, groupId]);
  }

  private async check(group: GroupFloor): Promise<UndeletedMessages | null> {
    const members = (await this.allRows(this.q.members, [group.groupId])).map(toMemberRecord);
    let min = Infinity;
    for (const m of members) if (m) min = Math.min(min, m.deleteBefore);
    return min !== Infinity && min > group.firstMessageTime ? { ...group, minDeleteBefore: min } : null;
  }
}
