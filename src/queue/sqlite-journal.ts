import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openSqliteFile } from '../sqlite-file.js';
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
  private readonly insert: Database.Statement<[string, Buffer, string | null]>;
  private readonly remove: Database.Statement<[number]>;
  private readonly bury: Database.Statement<[string, number]>;

  constructor(file: string) {
    this.db = openSqliteFile(file);
    this.db.exec(`CREATE TABLE IF NOT EXISTS broadcasts (id INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT NOT NULL,
      user_ids BLOB NOT NULL, order_key TEXT);
      CREATE TABLE IF NOT EXISTS dead_letters (id INTEGER PRIMARY KEY, payload TEXT NOT NULL, user_ids BLOB NOT NULL,
      order_key TEXT, reason TEXT NOT NULL, failed_at INTEGER NOT NULL);`);
    this.insert = this.db.prepare('INSERT INTO broadcasts (payload, user_ids, order_key) VALUES (?, ?, ?)');
    this.remove = this.db.prepare('DELETE FROM broadcasts WHERE id = ?');
    this.bury = this.db.prepare(`INSERT INTO dead_letters SELECT id, payload, user_ids, order_key, ?, unixepoch()
      FROM broadcasts WHERE id = ?`);
  }

  static inDataDir(dataDir: string): QueueJournal {
    mkdirSync(dataDir, { recursive: true });
    return new QueueJournal(join(dataDir, 'queue.sqlite'));
  }

  append(broadcast: Broadcast): number {
    return Number(this.insert.run(broadcast.payload, pack(broadcast.userIds), broadcast.orderKey ?? null).lastInsertRowid);
  }

  delivered(id: number): void {
    this.remove.run(id);
  }

  deadLettered(id: number, reason: string): void {
    this.db.transaction(() => {
      this.bury.run(reason, id);
      this.remove.run(id);
    })();
  }

  /** Everything accepted and not yet delivered, oldest first. */
  pending(): JournaledBroadcast[] {
    const rows = this.db.prepare('SELECT id, payload, user_ids, order_key FROM broadcasts ORDER BY id')
      .all() as Array<{ id: number; payload: string; user_ids: Buffer; order_key: string | null }>;
    return rows.map((r) => ({
      id: r.id,
      broadcast: { payload: r.payload, userIds: unpack(r.user_ids) as number[], ...(r.order_key === null ? {} : { orderKey: r.order_key }) },
    }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
