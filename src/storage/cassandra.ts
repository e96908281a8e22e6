import cassandra from 'cassandra-driver';
import { isUuid, timeUuidMicros } from '../core/ids.js';
import type { Attachment, Group, GroupPatch, HistoryQuery, Member, Membership, Message, UserGroup } from '../core/model.js';
import type { Micros } from '../core/time.js';
import { openCassandraClient, storageUnavailable, type CassandraOptions } from './cassandra-client.js';
import { messageBucket } from './cassandra-schema.js';
import type { Activity, Storage, UndeletedMessages } from '../core/ports/storage.js';
import { bucketRange, historyBuckets, lowestTimeUuidAt } from './cassandra-buckets.js';
import { distinctMembers, num } from './cassandra-helpers.js';
import { mapLimit } from '../core/batches.js';
import { CassandraAttachments } from './cassandra-attachments.js';
import { CassandraMemberState } from './cassandra-member-state.js';
import { CassandraMessageEdits } from './cassandra-message-edits.js';
import { CassandraMessageWrites, type Statement } from './cassandra-message-writes.js';
import { CassandraRetention } from './cassandra-retention.js';
import type { MemberRecord, MemberStatePatch } from '../core/member-state.js';

type Row = cassandra.types.Row;
type RunOptions = { idempotent?: boolean; pageState?: string };

const { unset } = cassandra.types;
/** Reads fanned out per group or member run at most this many at a time. */
const FAN_OUT = 32;

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** A group row counts only once its creation wrote created_at (a stray late write cannot conjure a group). */
function toGroup(r: Row): Group | null {
  const createdAt = num(r['created_at']);
  if (createdAt === null) return null;
  return {
    groupId: String(r['group_id']), name: r['name'] ?? '', description: text(r['description']),
    status: r['status'] ?? 0, groupType: r['group_type'] ?? 0, ownerId: num(r['owner_id']), meta: num(r['meta']),
    createdAt, updatedAt: num(r['updated_at']) ?? createdAt, lastMessageTime: num(r['last_message_time']) ?? createdAt,
    lastMessageId: text(r['last_message_id']), lastMessageUserId: num(r['last_message_user_id']),
    lastMessageType: text(r['last_message_type']), lastMessageOverview: text(r['last_message_overview']),
  };
}

/** Likewise a membership exists only with its join_time: a read mark landing after a removal leaves no member. */
function toMembership(r: Row): Membership | null {
  const joinTime = num(r['join_time']);
  if (joinTime === null) return null;
  return { groupId: String(r['group_id']), userId: Number(r['user_id']), joinTime,
    lastReadTime: num(r['last_read_time']) ?? joinTime, lastSentTime: num(r['last_sent_time']),
    deleteBefore: num(r['delete_before']) ?? joinTime - 1 };
}

export const toMessage = (groupId: string, r: Row): Message => {
  const messageId = String(r['message_id']);
  return { groupId, messageId, senderId: Number(r['sender_id']), payload: r['payload'] ?? '',
    messageType: r['message_type'] ?? '', createdAt: timeUuidMicros(messageId) };
};

function statements(ks: string) {
  const messageColumns = 'message_id, sender_id, message_type, payload';
  return {
    insertGroup: `INSERT INTO ${ks}.groups (group_id, name, description, status, group_type, owner_id, meta,
      created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
    group: `SELECT * FROM ${ks}.groups WHERE group_id = ?`,
    updateGroup: `UPDATE ${ks}.groups SET name = ?, description = ?, owner_id = ?, status = ? WHERE group_id = ?`,
    dropOwner: `UPDATE ${ks}.groups SET owner_id = null WHERE group_id = ? IF owner_id = ?`,
    // Event-time cells: written USING TIMESTAMP = the event's own time, so the newest event wins in any arrival order.
    touchGroup: `UPDATE ${ks}.groups USING TIMESTAMP ? SET updated_at = ? WHERE group_id = ?`,
    activity: `UPDATE ${ks}.groups USING TIMESTAMP ? SET last_message_time = ?, last_message_id = ?,
      last_message_user_id = ?, last_message_type = ?, last_message_overview = ?, updated_at = ? WHERE group_id = ?`,
    insertMember: `INSERT INTO ${ks}.members_by_group (group_id, user_id, join_time) VALUES (?, ?, ?)
      USING TIMESTAMP ?`,
    insertMembership: `INSERT INTO ${ks}.groups_by_user (user_id, group_id, join_time, last_read_time,
      last_sent_time, delete_before) VALUES (?, ?, ?, ?, null, ?) USING TIMESTAMP ?`,
    deleteMember: `DELETE FROM ${ks}.members_by_group USING TIMESTAMP ? WHERE group_id = ? AND user_id = ?`,
    deleteMembership: `DELETE FROM ${ks}.groups_by_user USING TIMESTAMP ? WHERE user_id = ? AND group_id = ?`,
    members: `SELECT user_id, join_time FROM ${ks}.members_by_group WHERE group_id = ?`,
    dropMembership: `DELETE FROM ${ks}.groups_by_user WHERE user_id = ? AND group_id = ?`,
    dropMembers: `DELETE FROM ${ks}.members_by_group WHERE group_id = ?`,
    dropGroup: `DELETE FROM ${ks}.groups WHERE group_id = ?`,
    membership: `SELECT * FROM ${ks}.groups_by_user WHERE user_id = ? AND group_id = ?`,
    userGroups: `SELECT * FROM ${ks}.groups_by_user WHERE user_id = ?`,
    senderState: `UPDATE ${ks}.groups_by_user USING TIMESTAMP ? SET last_sent_time = ?, last_read_time = ?
      WHERE user_id = ? AND group_id = ?`,
    markRead: `UPDATE ${ks}.groups_by_user USING TIMESTAMP ? SET last_read_time = ? WHERE user_id = ? AND group_id = ?`,
    insertMessage: `INSERT INTO ${ks}.messages (group_id, bucket, ${messageColumns}) VALUES (?, ?, ?, ?, ?, ?)`,
    deleteMessage: `DELETE FROM ${ks}.messages WHERE group_id = ? AND bucket = ? AND message_id = ?`,
    newestInBucket: `SELECT ${messageColumns} FROM ${ks}.messages WHERE group_id = ? AND bucket = ?
      AND message_id >= ? AND message_id < ? LIMIT ?`,
    oldestInBucket: `SELECT ${messageColumns} FROM ${ks}.messages WHERE group_id = ? AND bucket = ?
      AND message_id >= ? AND message_id < ? ORDER BY message_id ASC LIMIT ?`,
    idsInBucket: `SELECT message_id FROM ${ks}.messages WHERE group_id = ? AND bucket = ? AND message_id >= ? LIMIT ?`,
    ping: 'SELECT release_version FROM system.local',
  };
}

/**
 * Storage on Apache Cassandra (see DESIGN.md, "Storage model"). Every statement is prepared and reads one
 * partition. Times that only move forward (updated_at, last message, read marks, last send) are written with the
 * event's time as the cell timestamp: Cassandra's last-write-wins then keeps the newest without a read or a
 * lightweight transaction. Only creating a group and dropping its owner use LWT (both rare).
 * Assumes, like the send path guarantees, that a group's messages are not older than the group itself.
 */
export class CassandraStorage implements Storage {
  readonly kind = 'cassandra';
  private readonly q;
  private readonly memberState: CassandraMemberState;
  private readonly messageEdits: CassandraMessageEdits;
  private readonly retention: CassandraRetention;
  private readonly messageWrites: CassandraMessageWrites;
  private readonly attachments: CassandraAttachments;

  private constructor(private readonly client: cassandra.Client, keyspace: string) {
    this.q = statements(keyspace);
    this.memberState = new CassandraMemberState(keyspace, (query, params) => this.run(query, params),
      (query, params) => this.allRows(query, params));
    this.messageEdits = new CassandraMessageEdits(keyspace, (query, params, opts) => this.run(query, params, opts), toMessage);
    this.messageWrites = new CassandraMessageWrites(this.q.insertMessage, (statements) => this.runTogether(statements));
    this.attachments = new CassandraAttachments(keyspace, (query, params, opts) => this.run(query, params, opts),
      (query, params) => this.allRows(query, params));
    this.retention = new CassandraRetention(keyspace, (query, params, opts) => this.run(query, params, opts),
      (query, params) => this.allRows(query, params), this.attachments);
  }

  /** Connects to a keyspace that `migrateCassandra` has brought to the current schema version. */
  static async connect(opts: CassandraOptions): Promise<CassandraStorage> {
    const { client, keyspace } = await openCassandraClient(opts);
    return new CassandraStorage(client, keyspace);
  }

  async createGroup(group: Group, members: Member[]): Promise<boolean> {
    const created = await this.run(this.q.insertGroup, [group.groupId, group.name, group.description, group.status,
      group.groupType, group.ownerId, group.meta, group.createdAt], { idempotent: false });
    if (!created.wasApplied()) return false;
    // One microsecond before the given times, so a message or touch at exactly that time still wins.
    const since = Math.max(0, Math.min(group.lastMessageTime, group.updatedAt) - 1);
    await Promise.all([
      this.run(this.q.activity, [since, group.lastMessageTime, group.lastMessageId, group.lastMessageUserId,
        group.lastMessageType, group.lastMessageOverview, group.updatedAt, group.groupId]),
      this.insertMembers(group.groupId, distinctMembers(members)),
    ]);
    return true;
  }

  async getGroup(groupId: string): Promise<Group | null> {
    if (!isUuid(groupId)) return null;
    const row = (await this.run(this.q.group, [groupId])).first();
    return row ? toGroup(row) : null;
  }

  /** Reads first (an update must not create a group); absent fields are bound as `unset` and left untouched. */
  async updateGroup(groupId: string, patch: GroupPatch): Promise<Group | null> {
    const group = await this.getGroup(groupId);
    if (!group) return null;
    const fields = { name: patch.name, description: patch.description, ownerId: patch.ownerId, status: patch.status };
    const given = <T>(v: T | undefined) => (v === undefined ? unset : v);
    const changes = Object.values(fields).some((v) => v !== undefined);
    await Promise.all([
      changes && this.run(this.q.updateGroup, [given(fields.name), given(fields.description), given(fields.ownerId),
        given(fields.status), groupId]),
      this.touch(groupId, patch.updatedAt),
    ]);
    const changed = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<Group>;
    return { ...group, ...changed, updatedAt: Math.max(group.updatedAt, patch.updatedAt) };
  }

  /** The memberships first: a group row without members is harmless, members of a missing group are not. */
  async deleteGroup(groupId: string): Promise<void> {
    const members = await this.getMembers(groupId);
    await mapLimit(members, FAN_OUT, (m) => this.run(this.q.dropMembership, [m.userId, groupId]));
    await this.run(this.q.dropMembers, [groupId]);
    await this.run(this.q.dropGroup, [groupId]);
  }

  async getMembers(groupId: string): Promise<Member[]> {
    if (!isUuid(groupId)) return [];
    const rows = await this.allRows(this.q.members, [groupId]);
    return rows.filter((r) => r['join_time'] !== null)
      .map((r) => ({ userId: Number(r['user_id']), joinTime: Number(r['join_time']) }))
      .sort((a, b) => b.joinTime - a.joinTime || a.userId - b.userId);
  }

  async getMembership(groupId: string, userId: number): Promise<Membership | null> {
    if (!isUuid(groupId)) return null;
    const row = (await this.run(this.q.membership, [userId, groupId])).first();
    return row ? toMembership(row) : null;
  }

  async addMembers(groupId: string, members: Member[], at: Micros): Promise<void> {
    const wanted = distinctMembers(members);
    const existing = await mapLimit(wanted, FAN_OUT, (m) => this.getMembership(groupId, m.userId));
    await Promise.all([
      this.insertMembers(groupId, wanted.filter((_, i) => existing[i] === null)),
      this.memberState.letBackIn(groupId, wanted.filter((_, i) => existing[i] !== null).map((m) => m.userId), at),
      this.touch(groupId, at),
    ]);
  }

  async removeMember(groupId: string, userId: number, at: Micros): Promise<boolean> {
    const membership = await this.getMembership(groupId, userId);
    if (!membership) return false;
    // The delete must outrank the join it undoes, even when both carry the same time.
    const ts = Math.max(at, membership.joinTime);
    await Promise.all([
      this.run(this.q.deleteMembership, [ts, userId, groupId]),
      this.run(this.q.deleteMember, [ts, groupId, userId]),
      this.run(this.q.dropOwner, [groupId, userId], { idempotent: false }),
      this.touch(groupId, at),
    ]);
    return true;
  }

  /** The request path's only write (the rest is `applyActivity`'s, later), batched per turn (cassandra-message-writes.ts). */
  saveMessage(m: Message): Promise<void> {
    return this.messageWrites.save(m);
  }

  /** Independent idempotent updates, each written with its message's time as cell timestamp: the newest wins. */
  async applyActivity({ lastMessages, sends, revisions = [] }: Activity): Promise<void> {
    // A revision is written one microsecond above its message's own cells: it outranks them, and no later message's.
    const last = [...lastMessages.map((m) => [m, m.createdAt] as const), ...revisions.map((r) => [r.message, r.message.createdAt + 1] as const)];
    await Promise.all([
      mapLimit(last.filter(([m]) => isUuid(m.groupId)), FAN_OUT, ([m, timestamp]) => this.run(this.q.activity,
        [timestamp, m.createdAt, m.messageId, m.senderId, m.messageType, m.payload, m.createdAt, m.groupId])),
      mapLimit(revisions.filter((r) => isUuid(r.message.groupId)), FAN_OUT, (r) => this.touch(r.message.groupId, r.at)),
      mapLimit(sends.filter((s) => isUuid(s.groupId)), FAN_OUT, (s) => this.run(this.q.senderState,
        [s.at, s.at, s.at, s.userId, s.groupId])),
    ]);
  }

  async deleteMessage(groupId: string, messageId: string): Promise<void> {
    if (!isUuid(groupId) || !isUuid(messageId)) return;
    await this.run(this.q.deleteMessage, [groupId, messageBucket(timeUuidMicros(messageId)), messageId]);
  }

  /**
   * Walks the buckets between the bounds (clamped to the group's first and last message times) until `limit`
   * rows: newest first from the upper bound, or, with `since`, oldest first from `since`, then reversed.
   */
  async listMessages(groupId: string, query: HistoryQuery): Promise<Message[]> {
    const group = query.limit > 0 ? await this.getGroup(groupId) : null;
    if (!group) return [];
    const from = Math.max(query.floor + 1, query.since ?? 0, 0); // inclusive
    const to = query.until ?? Number.MAX_SAFE_INTEGER; // exclusive
    if (from >= to) return [];
    const ascending = query.since !== undefined;
    const buckets = historyBuckets(messageBucket(Math.max(from, group.createdAt)), group.lastMessageTime, to, ascending);
    const bounds = [lowestTimeUuidAt(from), lowestTimeUuidAt(to)];
    const statement = ascending ? this.q.oldestInBucket : this.q.newestInBucket;
    const rows = await this.collect(buckets, query.limit, (bucket, n) => this.run(statement, [groupId, bucket, ...bounds, n]));
    const messages = rows.map((r) => toMessage(groupId, r));
    return ascending ? messages.reverse() : messages;
  }

  async countMessagesAfter(groupId: string, after: Micros, cap: number): Promise<number> {
    const group = cap > 0 ? await this.getGroup(groupId) : null;
    if (!group || group.lastMessageTime <= after) return 0;
    const from = Math.max(after + 1, 0);
    const buckets = bucketRange(messageBucket(Math.max(from, group.createdAt)),
      messageBucket(group.lastMessageTime), true);
    const lowest = lowestTimeUuidAt(from);
    const rows = await this.collect(buckets, cap, (bucket, n) => this.run(this.q.idsInBucket,
      [groupId, bucket, lowest, n]));
    return rows.length;
  }

  async markRead(groupId: string, userId: number, at: Micros): Promise<void> {
    if (!isUuid(groupId)) return;
    await this.run(this.q.markRead, [at, at, userId, groupId]);
  }

  /** The user's partition, then each group (bounded fan-out), sorted here: Cassandra cannot order by a joined row. */
  async listUserGroups(userId: number, query: { until?: Micros; limit: number }): Promise<UserGroup[]> {
    const rows = await this.allRows(this.q.userGroups, [userId]);
    const memberships = rows.map(toMembership).filter((m): m is Membership => m !== null);
    const groups = await mapLimit(memberships, FAN_OUT, (m) => this.getGroup(m.groupId));
    const until = query.until ?? Number.MAX_SAFE_INTEGER;
    return memberships
      .flatMap((membership, i) => {
        const group = groups[i];
        return group && group.lastMessageTime < until ? [{ group, membership }] : [];
      })
      .sort((a, b) => b.group.lastMessageTime - a.group.lastMessageTime
        || (a.group.groupId < b.group.groupId ? -1 : a.group.groupId > b.group.groupId ? 1 : 0))
      .slice(0, Math.max(0, query.limit));
  }

  async ping(): Promise<void> {
    await this.run(this.q.ping, []);
  }

  async close(): Promise<void> {
    await this.client.shutdown();
  }

  // Issue 13's statements live in their own modules; each refuses ids that are not UUIDs itself.
  getMemberState(groupId: string, userId: number): Promise<MemberRecord | null> { return this.memberState.get(groupId, userId); }
  listMemberRecords(userId: number): Promise<MemberRecord[]> { return this.memberState.ofUser(userId); }
  updateMemberState(groupId: string, userId: number, patch: MemberStatePatch): Promise<MemberRecord | null> {
    return this.memberState.update(groupId, userId, patch);
  }
  getMessage(groupId: string, messageId: string): Promise<Message | null> { return this.messageEdits.get(groupId, messageId); }
  editMessage(groupId: string, messageId: string, payload: string): Promise<boolean> {
    return this.messageEdits.edit(groupId, messageId, payload);
  }
  groupsWithUndeletedMessages(): AsyncIterable<UndeletedMessages> { return this.retention.candidates(); }
  purgeMessagesUpTo(groupId: string, upTo: Micros): Promise<void> { return this.retention.purge(groupId, upTo); }
  saveAttachment(a: Attachment, listed: boolean): Promise<void> { return this.attachments.save(a, listed); }
  async attachToMessage(a: Attachment, listed: boolean): Promise<boolean> {
    if (!(await this.messageEdits.edit(a.groupId, a.messageId, a.payload))) return false;
    await this.attachments.save(a, listed);
    return true;
  }
  getAttachment(groupId: string, fileId: string): Promise<Attachment | null> { return this.attachments.get(groupId, fileId); }
  listAttachments(groupId: string, query: HistoryQuery): Promise<Attachment[]> { return this.attachments.list(groupId, query); }
  countAttachmentsAfter(groupId: string, after: Micros, cap: number): Promise<number> { return this.attachments.countAfter(groupId, after, cap); }
  userAttachments(userId: number, groupId?: string): Promise<Attachment[]> { return this.attachments.ofUser(userId, groupId); }
  removeAttachment(a: Attachment): Promise<void> { return this.attachments.remove(a); }

  private async run(query: string, params: unknown[], opts: RunOptions = {}): Promise<cassandra.types.ResultSet> {
    try {
      return await this.client.execute(query, params,
        { prepare: true, isIdempotent: opts.idempotent ?? true, pageState: opts.pageState });
    } catch (err) {
      throw storageUnavailable(err);
    }
  }

  /** One statement alone; several (of one partition) as an unlogged batch: one atomic mutation. */
  private async runTogether(statements: Statement[]): Promise<void> {
    if (statements.length === 1) return void (await this.run(statements[0]!.query, statements[0]!.params));
    try {
      await this.client.batch(statements, { prepare: true, logged: false, isIdempotent: true });
    } catch (err) {
      throw storageUnavailable(err);
    }
  }

  /** Every row of a partition, page by page (execute() alone returns only the first page). */
  private async allRows(query: string, params: unknown[]): Promise<Row[]> {
    const rows: Row[] = [];
    let pageState: string | undefined;
    do {
      const page = await this.run(query, params, { pageState });
      rows.push(...page.rows);
      pageState = page.pageState ?? undefined;
    } while (pageState);
    return rows;
  }

  /** Reads bucket after bucket until `limit` rows are in hand. */
  private async collect(buckets: Iterable<number>, limit: number,
    read: (bucket: number, remaining: number) => Promise<cassandra.types.ResultSet>): Promise<Row[]> {
    const rows: Row[] = [];
    for (const bucket of buckets) {
      if (rows.length >= limit) break;
      rows.push(...(await read(bucket, limit - rows.length)).rows);
    }
    return rows;
  }

  private touch(groupId: string, at: Micros): Promise<unknown> {
    return this.run(this.q.touchGroup, [at, at, groupId]);
  }

  private async insertMembers(groupId: string, members: Member[]): Promise<void> {
    // Written at the join time, like every membership event; a new member's read mark and floor start at the join.
    await mapLimit(members, FAN_OUT, ({ userId, joinTime }) => Promise.all([
      this.run(this.q.insertMember, [groupId, userId, joinTime, joinTime]),
      this.run(this.q.insertMembership, [userId, groupId, joinTime, joinTime, joinTime - 1, joinTime]),
    ]));
  }
}
