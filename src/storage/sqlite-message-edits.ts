import type Database from 'better-sqlite3';
import { isUuid, timeUuidMicros } from '../core/ids.js';
import type { Message } from '../core/model.js';
import { toMessage, type MessageRow } from './sqlite.js';


/** One message by its id, and edits of its payload: the message's time (part of the key) comes from its id. */
export class SqliteMessageEdits {
  private readonly q;

  constructor(db: Database.Database) {
    this.q = {
      get: db.prepare<[string, number, string], MessageRow>(
        'SELECT * FROM messages WHERE group_id = ? AND created_at = ? AND message_id = ?'),
      edit: db.prepare('UPDATE messages SET payload = ? WHERE group_id = ? AND created_at = ? AND message_id = ?'),
    };
  }

  get(groupId: string, messageId: string): Message | null {
    if (!isUuid(messageId)) return null;
    const row = this.q.get.get(groupId, timeUuidMicros(messageId), messageId.toLowerCase());
    return row ? toMessage(row) : null;
  }

  edit(groupId: string, messageId: string, payload: string): boolean {
    if (!isUuid(messageId)) return false;
    return this.q.edit.run(payload, groupId, timeUuidMicros(messageId), messageId.toLowerCase()).changes > 0;
  }
}
