import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { closeSqliteFile, openSqliteFile } from '../sqlite-file.js';
import { GroupCommit } from '../sqlite-group-commit.js';
import type { RowBatch } from '../sqlite-row-batch.js';
import type { Attachment, Group, GroupPatch, HistoryQuery, Member, Membership, Message, UserGroup } from '../core/model.js';
import type { Micros } from '../core/time.js';
import type { Activity, Storage, UndeletedMessages } from '../core/ports/storage.js';
import { migrateSqlite } from './sqlite-schema.js';
import { SqliteAttachments } from './sqlite-attachments.js';
import { WalCheckpoints } from './sqlite-checkpoints.js';
import { SqliteMemberState } from './sqlite-member-state.js';
import { SqliteMessageEdits } from './sqlite-message-edits.js';
import { SqliteRetention } from './sqlite-retention.js';
import type { MemberRecord, MemberStatePatch } from '../core/member-state.js';

export interface GroupRow {
  group_id: string; name: string; description: string | null; status: number; group_type: number;
  owner_id: number | null; meta: number | null; created_at: number; updated_at: number; last_message_time: number;
  last_message_id: string | null; last_message_user_id: number | null; last_message_type: string | null;
  last_message_overview: string | null;
}
interface MembershipRow {
  group_id: string; user_id: number; join_time: number; last_read_time: number; last_sent_time: number | null;
  delete_before: number;
}
export interface MessageRow {
  group_id: string; created_at: number; message_id: string; sender_id: number; message_type: string; payload: string;
}

/** Named, not positional: later versions add columns to groups (first_message_time). */
const GROUP_COLUMNS = `group_id, name, description, status, group_type, owner_id, meta, created_at, updated_at,
  last_message_time, last_message_id, last_message_user_id, last_message_type, last_message_overview`;

export const toGroup = (r: GroupRow): Group => ({
  groupId: r.group_id, name: r.name, description: r.description, status: r.status, groupType: r.group_type,
  ownerId: r.owner_id, meta: r.meta, createdAt: r.created_at, updatedAt: r.updated_at,
  lastMessageTime: r.last_message_time, lastMessageId: r.last_message_id, lastMessageUserId: r.last_message_user_id,
  lastMessageType: r.last_message_type, lastMessageOverview: r.last_message_overview,
});
const toMembership = (r: MembershipRow): Membership => ({
  groupId: r.group_id, userId: r.user_id, joinTime: r.join_time, lastReadTime: r.last_read_time,
  lastSentTime: r.last_sent_time, deleteBefore: r.delete_before,
});
export const toMessage = (r: MessageRow): Message => ({
  groupId: r.group_id, messageId: r.message_id, senderId: r.sender_id, payload: r.payload,
  messageType: r.message_type, createdAt: r.created_at,
});

export interface SqliteStorageOptions {
  /** WAL checkpoints in a thread of their own rather than in the commits (see WalCheckpoints): what `dino` runs. */
  checkpointThread?: boolean;
}

/** The embedded storage's file in `dataDir` (where `dino start` on SQLite also keeps the queue journal's tables). */
export const storageFileIn = (dataDir: string): string => join(dataDir, 'dino.sqlite');

/** The embedded storage: one SQLite file in WAL mode, every statement prepared once. */
export class SqliteStorage implements Storage {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly q;
  private readonly commits: GroupCommit;
  /** Message rows, one INSERT per commit (GroupCommit.rows), in the table's column order. */
  private readonly messageRows: RowBatch;
  private readonly memberState: SqliteMemberState;
  private readonly messageEdits: SqliteMessageEdits;
  private readonly retention: SqliteRetention;
  private readonly attachments: SqliteAttachments;
  /** The checkpointing thread, with `checkpointThread`. */
  readonly checkpoints?: WalCheckpoints;
  private closing?: Promise<void>;

  constructor(file: string, { checkpointThread = false }: SqliteStorageOptions = {}) {
    this.db = openSqliteFile(file);
    this.commits = new GroupCommit(this.db);
    this.db.defaultSafeIntegers(false);
    migrateSqlite(this.db);
    this.messageRows = this.commits.rows('INSERT INTO messages', 6);
    const db = this.db;
    const setLastMessage = `UPDATE groups SET last_message_time = @created_at, last_message_id = @message_id,
      last_message_user_id = @sender_id, last_message_type = @message_type, last_message_overview = @overview,
      updated_at = max(updated_at, @created_at)`;
    this.memberState = new SqliteMemberState(db);
    this.messageEdits = new SqliteMessageEdits(db);
    this.retention = new SqliteRetention(db);
    this.attachments = new SqliteAttachments(db);
    this.q = {
      insertGroup: db.prepare(`INSERT OR IGNORE INTO groups (${GROUP_COLUMNS}) VALUES (@group_id, @name, @description,
        @status, @group_type, @owner_id, @meta, @created_at, @updated_at, @last_message_time, @last_message_id,
        @last_message_user_id, @last_message_type, @last_message_overview)`),
      getGroup: db.prepare<[string], GroupRow>('SELECT * FROM groups WHERE group_id = ?'),
      updateGroup: db.prepare(`UPDATE groups SET name = coalesce(@name, name),
        description = CASE WHEN @set_description THEN @description ELSE description END,
        owner_id = CASE WHEN @set_owner THEN @owner_id ELSE owner_id END,
        status = coalesce(@status, status), updated_at = @updated_at WHERE group_id = @group_id`),
      touchGroup: db.prepare('UPDATE groups SET updated_at = ? WHERE group_id = ?'),
      dropOwner: db.prepare('UPDATE groups SET owner_id = NULL WHERE group_id = ? AND owner_id = ?'),
      insertMember: db.prepare(`INSERT OR IGNORE INTO memberships (group_id, user_id, join_time, last_read_time,
        last_sent_time, delete_before) VALUES (?, ?, ?, ?, NULL, ?)`),
      deleteMember: db.prepare('DELETE FROM memberships WHERE group_id = ? AND user_id = ?'),
      deleteMembers: db.prepare('DELETE FROM memberships WHERE group_id = ?'),
      deleteGroup: db.prepare('DELETE FROM groups WHERE group_id = ?'),
      members: db.prepare<[string], { user_id: number; join_time: number }>(
        'SELECT user_id, join_time FROM memberships WHERE group_id = ? AND kicked = 0 ORDER BY join_time DESC, user_id'),
      membership: db.prepare<[string, number], MembershipRow>(
        'SELECT * FROM memberships WHERE group_id = ? AND user_id = ?'),
      deleteMessage: db.prepare('DELETE FROM messages WHERE group_id = ? AND message_id = ?'),
      // A repeat of a message's own activity changes nothing: it would undo a revision of that message.
      lastMessage: db.prepare(`${setLastMessage} WHERE group_id = @group_id AND (last_message_time < @created_at
        OR (last_message_time = @created_at AND last_message_id IS NOT @message_id))`),
      revision: db.prepare(`${setLastMessage} WHERE group_id = @group_id AND (last_message_time < @created_at
        OR (last_message_time = @created_at AND last_message_id = @message_id))`),
      touchForward: db.prepare('UPDATE groups SET updated_at = max(updated_at, ?) WHERE group_id = ?'),
      senderState: db.prepare(`UPDATE memberships SET last_sent_time = max(coalesce(last_sent_time, @at), @at),
        last_read_time = max(last_read_time, @at) WHERE group_id = @group_id AND user_id = @user_id`),
      newest: db.prepare<[string, number, number, number], MessageRow>(`SELECT * FROM messages
        WHERE group_id = ? AND created_at < ? AND created_at > ? ORDER BY created_at DESC LIMIT ?`),
      oldestSince: db.prepare<[string, number, number, number, number], MessageRow>(`SELECT * FROM messages
        WHERE group_id = ? AND created_at >= ? AND created_at < ? AND created_at > ? ORDER BY created_at ASC LIMIT ?`),
      countAfter: db.prepare<[string, number, number], { n: number }>(`SELECT count(*) AS n FROM
        (SELECT 1 FROM messages WHERE group_id = ? AND created_at > ? LIMIT ?)`),
      markRead: db.prepare(`UPDATE memberships SET last_read_time = max(last_read_time, ?)
        WHERE group_id = ? AND user_id = ?`),
      userGroups: db.prepare<[number, number, number], GroupRow & { m_join: number; m_read: number;
        m_sent: number | null; m_delete: number }>(`SELECT g.*, m.join_time AS m_join, m.last_read_time AS m_read,
        m.last_sent_time AS m_sent, m.delete_before AS m_delete FROM memberships m JOIN groups g USING (group_id)
        WHERE m.user_id = ? AND g.last_message_time < ? ORDER BY g.last_message_time DESC, g.group_id LIMIT ?`),
    };
    // Last: a constructor that threw must leave no thread behind.
    if (checkpointThread) this.checkpoints = WalCheckpoints.start(this.db, file);
  }

  /** The file and its group commit, for the embedded queue's journal to share (src/queue/sqlite-journal.ts). */
  sharedFile(): { db: Database.Database; commits: GroupCommit } {
    return { db: this.db, commits: this.commits };
  }

  static open(dataDir: string, options: SqliteStorageOptions = {}): SqliteStorage {
    mkdirSync(dataDir, { recursive: true });
    return new SqliteStorage(storageFileIn(dataDir), options);
  }

  async createGroup(group: Group, members: Member[]): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.q.insertGroup.run(groupParams(group)).changes === 0) return false;
      this.insertMembers(group.groupId, members);
      return true;
    })();
  }

  async getGroup(groupId: string): Promise<Group | null> {
    const row = this.q.getGroup.get(groupId);
    return row ? toGroup(row) : null;
  }

  async updateGroup(groupId: string, patch: GroupPatch): Promise<Group | null> {
    this.q.updateGroup.run({
      group_id: groupId, name: patch.name ?? null, status: patch.status ?? null, updated_at: patch.updatedAt,
      set_description: patch.description !== undefined ? 1 : 0, description: patch.description ?? null,
      set_owner: patch.ownerId !== undefined ? 1 : 0, owner_id: patch.ownerId ?? null,
    });
    return this.getGroup(groupId);
  }

  async getMembers(groupId: string): Promise<Member[]> {
    return this.q.members.all(groupId).map((r) => ({ userId: r.user_id, joinTime: r.join_time }));
  }

  async getMembership(groupId: string, userId: number): Promise<Membership | null> {
    const row = this.q.membership.get(groupId, userId);
    return row ? toMembership(row) : null;
  }

  async deleteGroup(groupId: string): Promise<void> {
    this.db.transaction(() => {
      this.q.deleteMembers.run(groupId);
      this.q.deleteGroup.run(groupId);
    })();
  }

  async addMembers(groupId: string, members: Member[], at: Micros): Promise<void> {
    this.db.transaction(() => {
      this.insertMembers(groupId, members);
      for (const m of members) this.memberState.letBackIn(groupId, m.userId, at);
      this.q.touchGroup.run(at, groupId);
    })();
  }

  async removeMember(groupId: string, userId: number, at: Micros): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.q.deleteMember.run(groupId, userId).changes === 0) return false;
      this.q.dropOwner.run(groupId, userId);
      this.q.touchGroup.run(at, groupId);
      return true;
    })();
  }

  /** Concurrent sends share one commit (see GroupCommit): the insert is the whole of a send's storage work. */
  saveMessage(m: Message): Promise<void> {
    return this.commits.write(() => void this.messageRows.add(m.groupId, m.createdAt, m.messageId, m.senderId, m.messageType, m.payload));
  }

  async applyActivity({ lastMessages, sends, revisions = [] }: Activity): Promise<void> {
    const fields = (m: Message) => ({ group_id: m.groupId, created_at: m.createdAt, message_id: m.messageId, sender_id: m.senderId,
      message_type: m.messageType, overview: m.payload });
    // With the sends' own writes: one commit for both under load (see GroupCommit), none of its own.
    await this.commits.write(() => {
      for (const m of lastMessages) this.q.lastMessage.run(fields(m));
      for (const sent of sends) this.q.senderState.run({ group_id: sent.groupId, user_id: sent.userId, at: sent.at });
      for (const { message, at } of revisions) {
        this.q.revision.run(fields(message));
        this.q.touchForward.run(at, message.groupId);
      }
    });
  }

  async deleteMessage(groupId: string, messageId: string): Promise<void> {
    this.q.deleteMessage.run(groupId, messageId);
  }

  async listMessages(groupId: string, query: HistoryQuery): Promise<Message[]> {
    const until = query.until ?? Number.MAX_SAFE_INTEGER;
    if (query.since === undefined) return this.q.newest.all(groupId, until, query.floor, query.limit).map(toMessage);
    const rows = this.q.oldestSince.all(groupId, query.since, until, query.floor, query.limit);
    return rows.map(toMessage).reverse();
  }

  async countMessagesAfter(groupId: string, after: Micros, cap: number): Promise<number> {
    return this.q.countAfter.get(groupId, after, cap)!.n;
  }

  async markRead(groupId: string, userId: number, at: Micros): Promise<void> {
    this.q.markRead.run(at, groupId, userId);
  }

  async listUserGroups(userId: number, query: { until?: Micros; limit: number }): Promise<UserGroup[]> {
    const rows = this.q.userGroups.all(userId, query.until ?? Number.MAX_SAFE_INTEGER, query.limit);
    return rows.map((r) => ({
      group: toGroup(r),
      membership: { groupId: r.group_id, userId, joinTime: r.m_join, lastReadTime: r.m_read, lastSentTime: r.m_sent,
        deleteBefore: r.m_delete },
    }));
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  /** Once; a second call waits for the first. Without a checkpoint thread the file is closed before this returns. */
  close(): Promise<void> {
    return (this.closing ??= closeSqliteFile(this.db, this.commits, this.checkpoints));
  }

  async getMemberState(groupId: string, userId: number): Promise<MemberRecord | null> {
    return this.memberState.get(groupId, userId);
  }

  async listMemberRecords(userId: number): Promise<MemberRecord[]> {
    return this.memberState.ofUser(userId);
  }

  async updateMemberState(groupId: string, userId: number, patch: MemberStatePatch): Promise<MemberRecord | null> {
    return this.memberState.update(groupId, userId, patch);
  }

  async getMessage(groupId: string, messageId: string): Promise<Message | null> {
    return this.messageEdits.get(groupId, messageId);
  }

  async editMessage(groupId: string, messageId: string, payload: string): Promise<boolean> {
    return this.messageEdits.edit(groupId, messageId, payload);
  }

  groupsWithUndeletedMessages(): AsyncIterable<UndeletedMessages> {
    return this.retention.candidates();
  }

  async purgeMessagesUpTo(groupId: string, upTo: Micros): Promise<void> {
    await this.retention.purge(groupId, upTo);
  }

  async saveAttachment(a: Attachment, listed: boolean): Promise<void> {
    this.attachments.save(a, listed);
  }

  /**
   * One write through the shared commit, like a send's row. A message gone meanwhile fails the write inside the
   * transaction, so that it rolls back whatever was handed in with it (the attachment's broadcast) as well.
   */
  attachToMessage(a: Attachment, listed: boolean): Promise<boolean> {
    return this.commits.write(() => {
      if (!this.messageEdits.edit(a.groupId, a.messageId, a.payload)) throw new NoSuchMessage();
      this.attachments.save(a, listed);
      return true;
    }).catch((err: unknown) => {
      if (err instanceof NoSuchMessage) return false;
      throw err;
    });
  }

  async getAttachment(groupId: string, fileId: string): Promise<Attachment | null> {
    return this.attachments.get(groupId, fileId);
  }

  async listAttachments(groupId: string, query: HistoryQuery): Promise<Attachment[]> {
    return this.attachments.list(groupId, query);
  }

  async countAttachmentsAfter(groupId: string, after: Micros, cap: number): Promise<number> {
    return this.attachments.countAfter(groupId, after, cap);
  }

  async userAttachments(userId: number, groupId?: string): Promise<Attachment[]> {
    return this.attachments.ofUser(userId, groupId);
  }

  async removeAttachment(a: Attachment): Promise<void> {
    this.attachments.remove(a);
  }

  private insertMembers(groupId: string, members: Member[]): void {
    // A new member sees no history from before it joined: its read mark and floor start at the join.
    for (const m of members) this.q.insertMember.run(groupId, m.userId, m.joinTime, m.joinTime, m.joinTime - 1);
  }
}

/** Thrown inside a commit to roll back a unit whose message is gone; answered as `false`. */
class NoSuchMessage extends Error {
  constructor() {
    super('no such message');
  }
}

function groupParams(g: Group) {
  return {
    group_id: g.groupId, name: g.name, description: g.description, status: g.status, group_type: g.groupType,
    owner_id: g.ownerId, meta: g.meta, created_at: g.createdAt, updated_at: g.updatedAt,
    last_message_time: g.lastMessageTime, last_message_id: g.lastMessageId, last_message_user_id: g.lastMessageUserId,
    last_message_type: g.lastMessageType, last_message_overview: g.lastMessageOverview,
  };
}
