import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openSqliteFile } from '../sqlite-file.js';
import { GroupCommit } from '../sqlite-group-commit.js';
import { pack, unpack } from 'msgpackr';
import type { Broadcast } from '../core/ports/queue.js';

export interface JournaledBroadcast {
  id: number;
  broadcast: Broadcast;
}

/**
 * Where the in-process queue keeps what it accepted until it is delivered: a SQLite file beside the data, so
 * broadcasts accepted before a crash or a stop are delivered after the next start.
 */
export class QueueJournal {
  private readonly db: Database.Database;
  private readonly commits: GroupCommit;
  private readonly insert: Database.Statement<[string, Buffer, string | null, string | null, number]>;
  private readonly remove: Database.Statement<[number]>;
  private readonly bury: Database.Statement<[string, number]>;

  constructor(file: string) {
    this.db = openSqliteFile(file);
    this.commits = new GroupCommit(this.db);
    this.db.exec(`CREATE TABLE IF NOT EXISTS broadcasts (id INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT NOT NULL,
      user_ids BLOB NOT NULL, order_key TEXT);
      CREATE TABLE IF NOT EXISTS dead_letters (id INTEGER PRIMARY KEY, payload TEXT NOT NULL, user_ids BLOB NOT NULL,
      order_key TEXT, reason TEXT NOT NULL, failed_at INTEGER NOT NULL);`);
    addMissingColumns(this.db);
    this.insert = this.db.prepare(`INSERT INTO broadcasts (payload, user_ids, order_key, event_type, stored_message)
      VALUES (?, ?, ?, ?, ?)`);
    this.remove = this.db.prepare('DELETE FROM broadcasts WHERE id = ?');
    this.bury = this.db.prepare(`INSERT INTO dead_letters (id, payload, user_ids, order_key, reason, failed_at)
      SELECT id, payload, user_ids, order_key, ?, unixepoch() FROM broadcasts WHERE id = ?`);
  }

  static inDataDir(dataDir: string): QueueJournal {
    mkdirSync(dataDir, { recursive: true });
    return new QueueJournal(join(dataDir, 'queue.sqlite'));
  }

  /** Keeps the broadcast; resolves with its row id once committed (concurrent appends share one commit). */
  append(broadcast: Broadcast): Promise<number> {
    const { payload, userIds, orderKey, eventType, storedMessage } = broadcast;
    const row = [payload, pack(userIds), orderKey ?? null, eventType ?? null, storedMessage ? 1 : 0] as const;
    return this.commits.write(() => Number(this.insert.run(...row).lastInsertRowid));
  }

  /** Forgets a delivered broadcast with the next commit: lost in a crash, it is only delivered again (at least once). */
  delivered(id: number): void {
    this.commits.later(() => this.remove.run(id));
  }

  deadLettered(id: number, reason: string): void {
    this.db.transaction(() => {
      this.bury.run(reason, id);
      this.remove.run(id);
    })();
  }

  /** Everything accepted and not yet delivered, oldest first. */
  pending(): JournaledBroadcast[] {
    const rows = this.db.prepare('SELECT id, payload, user_ids, order_key, event_type, stored_message FROM broadcasts ORDER BY id')
      .all() as Array<{ id: number; payload: string; user_ids: Buffer; order_key: string | null; event_type: string | null;
        stored_message: number }>;
    return rows.map((r) => ({
      id: r.id,
      broadcast: { payload: r.payload, userIds: unpack(r.user_ids) as number[], ...(r.order_key === null ? {} : { orderKey: r.order_key }),
        ...(r.event_type === null ? {} : { eventType: r.event_type }), ...(r.stored_message ? { storedMessage: true } : {}) },
    }));
  }

  close(): void {
    if (!this.db.open) return;
    this.commits.flush();
    this.db.close();
  }
}

/** Journals written before broadcasts carried their event type and stored-message mark get the two columns. */
function addMissingColumns(db: Database.Database): void {
  const columns = new Set((db.prepare('PRAGMA table_info(broadcasts)').all() as Array<{ name: string }>).map((c) => c.name));
  db.transaction(() => {
    if (!columns.has('event_type')) db.exec('ALTER TABLE broadcasts ADD COLUMN event_type TEXT');
    if (!columns.has('stored_message')) db.exec('ALTER TABLE broadcasts ADD COLUMN stored_message INTEGER NOT NULL DEFAULT 0');
  }).immediate();
}
