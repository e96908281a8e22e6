import type Database from 'better-sqlite3';
import type { Attachment, HistoryQuery } from '../core/model.js';
import type { Micros } from '../core/time.js';

interface AttachmentRow {
  group_id: string; created_at: number; message_id: string; sender_id: number; file_id: string; message_type: string;
  payload: string; updated_at: number;
}

const toAttachment = (r: AttachmentRow): Attachment => ({
  groupId: r.group_id, messageId: r.message_id, senderId: r.sender_id, fileId: r.file_id, messageType: r.message_type,
  payload: r.payload, createdAt: r.created_at, updatedAt: r.updated_at,
});

/** Attachment records in one table keyed like the messages, with indexes for the lookup by file id and by sender. */
export class SqliteAttachments {
  private readonly q;

  constructor(db: Database.Database) {
    this.q = {
      // The message's key is the primary key: a new record replaces the message's previous one, file id and all.
      save: db.prepare(`INSERT OR REPLACE INTO attachments VALUES (@group_id, @created_at, @message_id, @sender_id,
        @file_id, @message_type, @payload, @updated_at, @listed)`),
      get: db.prepare<[string, string], AttachmentRow>('SELECT * FROM attachments WHERE group_id = ? AND file_id = ?'),
      newest: db.prepare<[string, number, number, number], AttachmentRow>(`SELECT * FROM attachments
        WHERE group_id = ? AND listed = 1 AND created_at < ? AND created_at > ? ORDER BY created_at DESC LIMIT ?`),
      oldestSince: db.prepare<[string, number, number, number, number], AttachmentRow>(`SELECT * FROM attachments
        WHERE group_id = ? AND listed = 1 AND created_at >= ? AND created_at < ? AND created_at > ? ORDER BY created_at ASC LIMIT ?`),
      countAfter: db.prepare<[string, number, number], { n: number }>(`SELECT count(*) AS n FROM
        (SELECT 1 FROM attachments WHERE group_id = ? AND listed = 1 AND created_at > ? LIMIT ?)`),
      ofUser: db.prepare<[number], AttachmentRow>('SELECT * FROM attachments WHERE sender_id = ?'),
      ofUserInGroup: db.prepare<[number, string], AttachmentRow>('SELECT * FROM attachments WHERE sender_id = ? AND group_id = ?'),
      remove: db.prepare('DELETE FROM attachments WHERE group_id = ? AND created_at = ? AND message_id = ?'),
    };
  }

  save(a: Attachment, listed: boolean): void {
    this.q.save.run({ group_id: a.groupId, created_at: a.createdAt, message_id: a.messageId, sender_id: a.senderId,
      file_id: a.fileId, message_type: a.messageType, payload: a.payload, updated_at: a.updatedAt, listed: listed ? 1 : 0 });
  }

  get(groupId: string, fileId: string): Attachment | null {
    const row = this.q.get.get(groupId, fileId);
    return row ? toAttachment(row) : null;
  }

  list(groupId: string, query: HistoryQuery): Attachment[] {
    const until = query.until ?? Number.MAX_SAFE_INTEGER;
    if (query.since === undefined) return this.q.newest.all(groupId, until, query.floor, query.limit).map(toAttachment);
    return this.q.oldestSince.all(groupId, query.since, until, query.floor, query.limit).map(toAttachment).reverse();
  }

  countAfter(groupId: string, after: Micros, cap: number): number {
    return this.q.countAfter.get(groupId, after, cap)!.n;
  }

  ofUser(userId: number, groupId?: string): Attachment[] {
    return (groupId === undefined ? this.q.ofUser.all(userId) : this.q.ofUserInGroup.all(userId, groupId)).map(toAttachment);
  }

  remove(a: Attachment): void {
    this.q.remove.run(a.groupId, a.createdAt, a.messageId);
  }
}
