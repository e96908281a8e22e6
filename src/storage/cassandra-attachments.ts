import type cassandra from 'cassandra-driver';
import { isUuid, timeUuidMicros } from '../core/ids.js';
import type { Attachment, HistoryQuery } from '../core/model.js';
import type { Micros } from '../core/time.js';
import { lowestTimeUuidAt } from './cassandra-buckets.js';
import { mapLimit } from '../core/batches.js';
import { validMessageKey, type Run } from './cassandra-message-edits.js';

type AllRows = (query: string, params: unknown[]) => Promise<cassandra.types.Row[]>;

/** Records deleted at a time by a purge. */
const FAN_OUT = 16;
/** Every attachment table holds the whole record under these names: one insert and one reader for the three. */
const COLUMNS = 'group_id, message_id, sender_id, file_id, message_type, payload, updated_at';

const toAttachment = (r: cassandra.types.Row): Attachment => {
  const messageId = String(r['message_id']);
  return { groupId: String(r['group_id']), messageId, senderId: Number(r['sender_id']), fileId: String(r['file_id']),
    messageType: r['message_type'] ?? '', payload: r['payload'] ?? '', createdAt: timeUuidMicros(messageId),
    updatedAt: Number(r['updated_at']) };
};

/**
 * Attachment records, kept three ways so that every read is one partition (no index):
 * `attachments_by_group` (every one by message time, flagged `listed`: listing, counting and the retention purge),
 * `attachments_by_file` (the lookup by file id) and `attachments_by_user` (a sender's, by group: its deletes, and the
 * record a new one replaces). Listing and counting filter on `listed` within the group's partition (ALLOW FILTERING
 * there reads only that partition's range; LIMIT counts the rows that pass).
 */
export class CassandraAttachments {
  private readonly q;

  constructor(ks: string, private readonly run: Run, private readonly allRows: AllRows) {
    const insert = (table: string) => `INSERT INTO ${ks}.${table} (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`;
    this.q = {
      byGroup: `INSERT INTO ${ks}.attachments_by_group (${COLUMNS}, listed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      byFile: insert('attachments_by_file'),
      byUser: insert('attachments_by_user'),
      previousFile: `SELECT file_id FROM ${ks}.attachments_by_user WHERE sender_id = ? AND group_id = ? AND message_id = ?`,
      get: `SELECT ${COLUMNS} FROM ${ks}.attachments_by_file WHERE group_id = ? AND file_id = ?`,
      newest: `SELECT ${COLUMNS} FROM ${ks}.attachments_by_group WHERE group_id = ? AND message_id >= ? AND message_id < ?
        AND listed = true LIMIT ? ALLOW FILTERING`,
      oldest: `SELECT ${COLUMNS} FROM ${ks}.attachments_by_group WHERE group_id = ? AND message_id >= ? AND message_id < ?
        AND listed = true ORDER BY message_id ASC LIMIT ? ALLOW FILTERING`,
      idsAfter: `SELECT message_id FROM ${ks}.attachments_by_group WHERE group_id = ? AND message_id >= ? AND listed = true
        LIMIT ? ALLOW FILTERING`,
      upTo: `SELECT ${COLUMNS} FROM ${ks}.attachments_by_group WHERE group_id = ? AND message_id < ?`,
      ofUser: `SELECT ${COLUMNS} FROM ${ks}.attachments_by_user WHERE sender_id = ?`,
      ofUserInGroup: `SELECT ${COLUMNS} FROM ${ks}.attachments_by_user WHERE sender_id = ? AND group_id = ?`,
      dropByGroup: `DELETE FROM ${ks}.attachments_by_group WHERE group_id = ? AND message_id = ?`,
      dropByFile: `DELETE FROM ${ks}.attachments_by_file WHERE group_id = ? AND file_id = ?`,
      dropByUser: `DELETE FROM ${ks}.attachments_by_user WHERE sender_id = ? AND group_id = ? AND message_id = ?`,
      dropGroupUpTo: `DELETE FROM ${ks}.attachments_by_group WHERE group_id = ? AND message_id < ?`,
    };
  }

  /** The message's previous record (read from its sender's partition) loses its file id if that changed. */
  async save(a: Attachment, listed: boolean): Promise<void> {
    if (!validMessageKey(a.groupId, a.messageId)) return;
    const previous = (await this.run(this.q.previousFile, [a.senderId, a.groupId, a.messageId])).first()?.['file_id'] as string | undefined;
    const values = [a.groupId, a.messageId, a.senderId, a.fileId, a.messageType, a.payload, a.updatedAt];
    await Promise.all([
      previous !== undefined && previous !== a.fileId && this.run(this.q.dropByFile, [a.groupId, previous]),
      this.run(this.q.byFile, values),
      this.run(this.q.byUser, values),
      this.run(this.q.byGroup, [...values, listed]),
    ]);
  }

  async get(groupId: string, fileId: string): Promise<Attachment | null> {
    if (!isUuid(groupId)) return null;
    const row = (await this.run(this.q.get, [groupId, fileId])).first();
    return row ? toAttachment(row) : null;
  }

  /** One partition read between the bounds: newest first, or with `since` oldest first from it, then reversed. */
  async list(groupId: string, query: HistoryQuery): Promise<Attachment[]> {
    const from = Math.max(query.floor + 1, query.since ?? 0, 0); // inclusive
    const to = query.until ?? Number.MAX_SAFE_INTEGER; // exclusive
    if (!isUuid(groupId) || from >= to || query.limit <= 0) return [];
    const ascending = query.since !== undefined;
    const rows = (await this.run(ascending ? this.q.oldest : this.q.newest,
      [groupId, lowestTimeUuidAt(from), lowestTimeUuidAt(to), query.limit])).rows.map(toAttachment);
    return ascending ? rows.reverse() : rows;
  }

  async countAfter(groupId: string, after: Micros, cap: number): Promise<number> {
    if (!isUuid(groupId) || cap <= 0) return 0;
    return (await this.allRows(this.q.idsAfter, [groupId, lowestTimeUuidAt(Math.max(after + 1, 0)), cap])).length;
  }

  async ofUser(userId: number, groupId?: string): Promise<Attachment[]> {
    if (groupId === undefined) return (await this.allRows(this.q.ofUser, [userId])).map(toAttachment);
    if (!isUuid(groupId)) return [];
    return (await this.allRows(this.q.ofUserInGroup, [userId, groupId])).map(toAttachment);
  }

  async remove(a: Attachment): Promise<void> {
    if (!validMessageKey(a.groupId, a.messageId)) return;
    await Promise.all([this.run(this.q.dropByGroup, [a.groupId, a.messageId]), this.dropCopies(a)]);
  }

  /**
   * Every record (listed or not) of the group's messages at or before `upTo`: read page by page from the group's
   * partition, each dropped from the file and sender tables, then the group's range at once. The group's rows go
   * last, so a purge cut short finds the rest again on its next run.
   */
  async purgeUpTo(groupId: string, upTo: Micros): Promise<void> {
    if (!isUuid(groupId)) return;
    const cut = lowestTimeUuidAt(upTo + 1);
    let pageState: string | undefined;
    do {
      const page = await this.run(this.q.upTo, [groupId, cut], { pageState });
      await mapLimit(page.rows.map(toAttachment), FAN_OUT, (a) => this.dropCopies(a));
      pageState = page.pageState ?? undefined;
    } while (pageState);
    await this.run(this.q.dropGroupUpTo, [groupId, cut]);
  }

  /** The record's rows outside the group's partition. */
  private dropCopies(a: Attachment): Promise<unknown> {
    return Promise.all([
      this.run(this.q.dropByFile, [a.groupId, a.fileId]),
      this.run(this.q.dropByUser, [a.senderId, a.groupId, a.messageId]),
    ]);
  }
}
