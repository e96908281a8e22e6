import type Database from 'better-sqlite3';
import type { UndeletedMessages } from '../core/ports/storage.js';
import type { Micros } from '../core/time.js';

/** Groups listed per query, and rows deleted per transaction (so a purge never holds the write lock for long). */
const PAGE = 500;
const DELETE_CHUNK = 1000;

interface CandidateRow { group_id: string; min_delete_before: number; first_message_time: number }

/** One chunk of a group's rows at or before a time, from a table keyed (group_id, created_at, message_id). */
const chunkDelete = (db: Database.Database, table: 'messages' | 'attachments') => db.prepare<[string, Micros]>(
  `DELETE FROM ${table} WHERE (group_id, created_at, message_id) IN
   (SELECT group_id, created_at, message_id FROM ${table} WHERE group_id = ? AND created_at <= ? LIMIT ${DELETE_CHUNK})`);

/**
 * The retention job's reads and deletes in the embedded storage. Members who left have no row; a kicked member keeps
 * its row, so its delete_before counts (it could be let back in and read the history again). The attachment records
 * of purged messages (listed or not) go with them.
 */
export class SqliteRetention {
  private readonly q;

  constructor(db: Database.Database) {
    this.q = {
      candidates: db.prepare<[string, number], CandidateRow>(`SELECT m.group_id, min(m.delete_before) AS min_delete_before,
        coalesce(g.first_message_time, g.created_at) AS first_message_time
        FROM memberships m JOIN groups g USING (group_id) WHERE m.group_id > ?
        GROUP BY m.group_id HAVING min(m.delete_before) > coalesce(g.first_message_time, g.created_at)
        ORDER BY m.group_id LIMIT ?`),
      deleteChunks: [chunkDelete(db, 'attachments'), chunkDelete(db, 'messages')],
      moveFloor: db.prepare(`UPDATE groups SET first_message_time = max(coalesce(first_message_time, created_at), ?)
        WHERE group_id = ?`),
    };
  }

  async *candidates(): AsyncGenerator<UndeletedMessages> {
    let after = '';
    for (;;) {
      const rows = this.q.candidates.all(after, PAGE);
      for (const r of rows) {
        yield { groupId: r.group_id, minDeleteBefore: r.min_delete_before, firstMessageTime: r.first_message_time };
      }
      if (rows.length < PAGE) return;
      after = rows.at(-1)!.group_id;
    }
  }

  async purge(groupId: string, upTo: Micros): Promise<void> {
    for (const chunk of this.q.deleteChunks) {
      while (chunk.run(groupId, upTo).changes === DELETE_CHUNK) await new Promise(setImmediate);
    }
    // Last: until the floor moves, the group is listed again, so a purge cut short is finished by the next run.
    this.q.moveFloor.run(upTo, groupId);
  }
}
