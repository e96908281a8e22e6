import type cassandra from 'cassandra-driver';
import { isTimeUuid, isUuid, timeUuidMicros } from '../core/ids.js';
import type { Message } from '../core/model.js';
import { messageBucket } from './cassandra-schema.js';

/** A message key Cassandra accepts: a UUID group id and a time UUID message id (others name no message). */
export const validMessageKey = (groupId: string, messageId: string): boolean => isUuid(groupId) && isTimeUuid(messageId);

export type Run = (query: string, params: unknown[], opts?: { idempotent?: boolean; pageState?: string }) => Promise<cassandra.types.ResultSet>;
type ToMessage = (groupId: string, row: cassandra.types.Row) => Message;

/** One message by its id (the id gives its bucket), and edits of its payload. */
export class CassandraMessageEdits {
  private readonly q;

  constructor(ks: string, private readonly run: Run, private readonly toMessage: ToMessage) {
    this.q = {
      get: `SELECT message_id, sender_id, message_type, payload FROM ${ks}.messages
        WHERE group_id = ? AND bucket = ? AND message_id = ?`,
      // IF EXISTS: an edit racing a delete must not leave a row of only a payload behind.
      edit: `UPDATE ${ks}.messages SET payload = ? WHERE group_id = ? AND bucket = ? AND message_id = ? IF EXISTS`,
    };
  }

  async get(groupId: string, messageId: string): Promise<Message | null> {
    if (!validMessageKey(groupId, messageId)) return null;
    const row = (await this.run(this.q.get, [groupId, messageBucket(timeUuidMicros(messageId)), messageId])).first();
    return row ? this.toMessage(groupId, row) : null;
  }

  async edit(groupId: string, messageId: string, payload: string): Promise<boolean> {
    if (!validMessageKey(groupId, messageId)) return false;
    const result = await this.run(this.q.edit, [payload, groupId, messageBucket(timeUuidMicros(messageId)), messageId],
      { idempotent: false });
    return result.wasApplied();
  }
}
