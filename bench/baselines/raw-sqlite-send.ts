/**
 * The storage a send on embedded SQLite does on its request path, done raw with better-sqlite3, for the bare uWS
 * server's stored route (bare-uws.ts): the message row and its broadcast's journal row inserted in one transaction,
 * the requests of one event-loop turn committed together (one commit costs about the same for one row as for fifty),
 * and each journal row deleted again in a later commit, as a delivered broadcast's is. The tables are Dino's (the
 * messages table's primary key, the journal's columns), the file settings too (WAL, synchronous = NORMAL, the
 * writer's checkpoint threshold of 10 000 pages; Dino checkpoints from a thread of its own meanwhile, this file only
 * when the writer reaches it). Not done: the membership check, the projector's writes (the group's last message, the
 * sender's marks), the fan-out. So its rate is a ceiling a send cannot pass, not one it should reach.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pack } from 'msgpackr';

export interface RawMessage {
  groupId: string;
  createdAt: number;
  messageId: string;
  senderId: number;
  messageType: string;
  payload: string;
}

interface Waiting {
  message: RawMessage;
  event: string;
  done: (err?: unknown) => void;
}

export class RawSqliteSends {
  private waiting: Waiting[] = [];
  private delivered: number[] = [];
  private readonly commit: (batch: Waiting[], delivered: number[]) => void;

  private constructor(private readonly db: Database.Database, private readonly dir: string) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('wal_autocheckpoint = 10000');
    db.exec(`CREATE TABLE messages (group_id TEXT NOT NULL, created_at INTEGER NOT NULL, message_id TEXT NOT NULL,
        sender_id INTEGER NOT NULL, message_type TEXT NOT NULL, payload TEXT NOT NULL,
        PRIMARY KEY (group_id, created_at, message_id)) STRICT, WITHOUT ROWID;
      CREATE TABLE broadcasts (id INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT NOT NULL, user_ids BLOB NOT NULL,
        order_key TEXT, event_type TEXT, stored_message INTEGER NOT NULL DEFAULT 0);`);
    const insertMessage = db.prepare('INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)');
    const insertBroadcast = db.prepare('INSERT INTO broadcasts (payload, user_ids, order_key, event_type, stored_message) VALUES (?, ?, ?, ?, 1)');
    const remove = db.prepare('DELETE FROM broadcasts WHERE id = ?');
    this.commit = db.transaction((batch: Waiting[], delivered: number[]) => {
      for (const id of delivered) remove.run(id);
      for (const { message: m, event } of batch) {
        insertMessage.run(m.groupId, m.createdAt, m.messageId, m.senderId, m.messageType, m.payload);
        this.delivered.push(Number(insertBroadcast.run(event, pack([1, 2, 3]), m.groupId, 'message').lastInsertRowid));
      }
    });
  }

  /** A new file in a directory of its own, removed by close(). */
  static open(): RawSqliteSends {
    const dir = mkdtempSync(join(tmpdir(), 'dino-bench-raw-sqlite-'));
    return new RawSqliteSends(new Database(join(dir, 'raw.sqlite')), dir);
  }

  /** Stores the message and its event with the turn's other sends; resolves once committed. */
  save(message: RawMessage, event: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => this.flush());
      this.waiting.push({ message, event, done: (err) => (err === undefined ? resolve() : reject(err)) });
    });
  }

  close(): void {
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Commits the turn's sends with the removal of the journal rows the previous commits wrote. */
  private flush(): void {
    const [batch, delivered] = [this.waiting, this.delivered];
    [this.waiting, this.delivered] = [[], []];
    try {
      this.commit(batch, delivered);
    } catch (err) {
      for (const w of batch) w.done(err);
      return;
    }
    for (const w of batch) w.done();
  }
}
