import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { closeSqliteFile, openSqliteFile } from '../sqlite-file.js';
import { GroupCommit } from '../sqlite-group-commit.js';
import type { RowBatch } from '../sqlite-row-batch.js';
import { WalCheckpoints } from '../storage/sqlite-checkpoints.js';
import { storageFileIn } from '../storage/sqlite.js';
import { SqliteMessageEdits } from '../storage/sqlite-message-edits.js';
import { messageEventJson } from '../core/events.js';
import { pack, unpack } from 'msgpackr';
import type { Broadcast } from '../core/ports/queue.js';
import { logger } from '../log.js';

export interface JournaledBroadcast {
  id: number;
  broadcast: Broadcast;
}

/**
 * The `stored_message` column: a broadcast of no stored message (0), of a stored message with its event in `payload`
 * (1), or of a message sent through the storage that shares this file, kept by the message's id alone (2): see
 * QueueJournal.append.
 */
const NOT_STORED = 0;
const STORED_WITH_EVENT = 1;
const STORED_BY_ID = 2;

const INSERT_ROW = 'INSERT INTO broadcasts (payload, user_ids, order_key, event_type, stored_message)';

type JournalRow = [payload: string, userIds: Buffer, orderKey: string | null, eventType: string | null, storedMessage: number];

interface StoredRow {
  id: number;
  payload: string;
  user_ids: Buffer;
  order_key: string | null;
  event_type: string | null;
  stored_message: number;
}

/**
 * Where the in-process queue keeps what it accepted until it is delivered: SQLite tables beside the data, so
 * broadcasts accepted before a crash or a stop are delivered after the next start. With the embedded SQLite storage
 * the tables live in the storage's own file and share its commits (`sharing`), so a message row and its broadcast are
 * written in one transaction (`together`); beside other storage, in a file of their own (`inDataDir`).
 */
export class QueueJournal {
  /** One row (moving rows in from another file). */
  private readonly insert: Database.Statement<JournalRow>;
  /** The rows of a commit's appends, one INSERT (GroupCommit.rows). */
  private readonly rows: RowBatch;
  private readonly remove: Database.Statement<[number]>;
  private readonly removeRange: Database.Statement<[number, number]>;
  /** Delivered broadcasts whose rows the next commit removes. */
  private delivering: number[] = [];
  private readonly bury: Database.Statement<[string, Buffer, string | null, string]>;
  private checkpoints?: WalCheckpoints;
  private closing?: Promise<void>;

  private constructor(private readonly db: Database.Database, private readonly commits: GroupCommit,
    /** Whether the file is the journal's own, to close with it; a shared one is closed by its storage. */
    private readonly ownsFile: boolean) {
    createTables(this.db);
    this.insert = this.db.prepare(`${INSERT_ROW} VALUES (?, ?, ?, ?, ?)`);
    this.rows = commits.rows(INSERT_ROW, 5, { ids: true });
    this.remove = this.db.prepare('DELETE FROM broadcasts WHERE id = ?');
    this.removeRange = this.db.prepare('DELETE FROM broadcasts WHERE id BETWEEN ? AND ?');
    // A dead letter gets an id of its own: one moved in from an older journal file may hold any broadcast's number.
    this.bury = this.db.prepare(`INSERT INTO dead_letters (payload, user_ids, order_key, reason, failed_at)
      VALUES (?, ?, ?, ?, unixepoch())`);
  }

  /**
   * A journal in a file of its own, `DINO_DATA_DIR/queue.sqlite`; `checkpointThread`: its WAL checkpoints in a thread
   * of their own (see WalCheckpoints), as `dino` runs it. What the SQLite storage's file in `dataDir` still holds in its
   * journal tables (the process ran on SQLite storage before) is moved in first: the storage changed, not the promise
   * to deliver what was accepted.
   */
  static inDataDir(dataDir: string, { checkpointThread = false } = {}): QueueJournal {
    mkdirSync(dataDir, { recursive: true });
    const file = ownFile(dataDir);
    const journal = QueueJournal.open(file);
    journal.adoptOrWarn(storageFileIn(dataDir), { removeFile: false });
    if (checkpointThread) journal.checkpoints = WalCheckpoints.start(journal.db, file);
    return journal;
  }

  /**
   * A journal in the storage's file, sharing its commits. What a journal of its own (`queue.sqlite` in `dataDir`,
   * from a release or a configuration before) still holds is moved in first, and that file removed.
   */
  static sharing({ db, commits }: { db: Database.Database; commits: GroupCommit }, dataDir: string): QueueJournal {
    const journal = new QueueJournal(db, commits, false);
    journal.adoptOrWarn(ownFile(dataDir), { removeFile: true });
    return journal;
  }

  /**
   * The files in `dataDir` where an in-process queue kept its journal (its own file, the SQLite storage's), for a
   * process whose queue is now another (Redis) to hand on what they still hold (QueueJournal.open, then handOver).
   */
  static filesIn(dataDir: string): string[] {
    return [ownFile(dataDir), storageFileIn(dataDir)].filter(holdsJournal);
  }

  /** The journal in `file`, on a connection of its own that close() closes. */
  static open(file: string): QueueJournal {
    const db = openSqliteFile(file);
    try {
      return new QueueJournal(db, new GroupCommit(db), true);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Whether a broadcast appended within `together` commits with the storage's writes made there. */
  get sharesCommits(): boolean {
    return !this.ownsFile;
  }

  /** Hands in the writes `handIn` makes (storage's and this journal's alike) as one transaction. */
  together<T>(handIn: () => T): T {
    return this.commits.together(handIn);
  }

  /**
   * Keeps the broadcast; resolves with its row id once committed (concurrent appends share one commit).
   *
   * `withMessageRow`: the caller appends within `together`, beside the storage's write of the message the broadcast
   * carries (`stored`), in this file. Its event is then kept by the message's id alone: the row commits with the
   * message's, and the event is written again from the message's row when the journal is read back (rowsIn). The
   * send binds and writes an id instead of the whole event: 4 000 of 93 000 instructions a send
   * (bench/send-instructions.ts), and a smaller commit. A message edited before its event was delivered (after a
   * crash) is announced as edited; one deleted meanwhile is not announced.
   */
  append(broadcast: Broadcast, { withMessageRow = false } = {}): Promise<number> {
    const row = withMessageRow && this.sharesCommits ? rowById(broadcast) ?? rowOf(broadcast) : rowOf(broadcast);
    return this.commits.write(() => this.rows.add(...row));
  }

  /**
   * Forgets a delivered broadcast with the next commit: lost in a crash, it is only delivered again (at least once).
   * The rows of one commit's deliveries go by runs of consecutive ids, one statement each (deliveries finish nearly
   * in the order they were accepted, so mostly one).
   */
  delivered(id: number): void {
    if (this.delivering.length === 0) {
      let ids: number[] | undefined;
      // Taken when the commit runs it (with what was delivered until then), and the same again should it be retried.
      this.commits.later(() => {
        ids ??= this.delivering.splice(0);
        for (const [first, last] of idRuns(ids)) this.removeRange.run(first, last);
      });
    }
    this.delivering.push(id);
  }

  /** Forgets a broadcast that must never be delivered; resolves once that is committed. */
  withdraw(id: number): Promise<void> {
    return this.commits.write(() => void this.remove.run(id));
  }

  /** Moves the broadcast of row `id` (the queue still holds it) to the dead letters, with its event written out. */
  deadLettered(id: number, broadcast: Broadcast, reason: string): void {
    this.db.transaction(() => {
      this.bury.run(broadcast.payload, pack(broadcast.userIds), broadcast.orderKey ?? null, reason);
      this.remove.run(id);
    })();
  }

  /** Broadcasts given up on, kept in the journal for inspection. */
  deadLetterCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n;
  }

  /**
   * Gives every pending broadcast to `send`, oldest first, and removes each that `send` took, by batches of `batch`,
   * each under the file's write lock: a second process handing over the same file waits for the batch, then finds
   * only what is left, so none is handed on twice but after a crash (whose batch is rolled back: handed on again,
   * at least once). Should `send` fail, what it took is removed and the rest stays. Resolves with how many it took.
   */
  async handOver(send: (broadcast: Broadcast) => Promise<void>, batch = 500): Promise<number> {
    let handed = 0;
    for (;;) {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const rows = rowsIn(this.db, batch);
        for (const { id, broadcast } of rows) {
          if (broadcast) {
            await send(broadcast);
            handed++;
          }
          this.remove.run(id);
        }
        logDropped(rows.filter((r) => r.broadcast === null).length);
        this.db.exec('COMMIT');
        if (rows.length < batch) return handed;
      } catch (err) {
        // What `send` took is in the new queue: its rows go, the rest stays for the next start.
        if (this.db.inTransaction) this.db.exec('COMMIT');
        throw err;
      }
    }
  }

  /** Everything accepted and not yet delivered, oldest first. Rows of messages deleted since are removed here. */
  pending(): JournaledBroadcast[] {
    const pending: JournaledBroadcast[] = [];
    let dropped = 0;
    for (const { id, broadcast } of rowsIn(this.db)) {
      if (broadcast) pending.push({ id, broadcast });
      else dropped += this.remove.run(id).changes;
    }
    logDropped(dropped);
    return pending;
  }

  /** Once; a second call waits for the first. Without a checkpoint thread the file is closed before this returns. */
  close(): Promise<void> {
    if (!this.ownsFile) return Promise.resolve();
    return (this.closing ??= closeSqliteFile(this.db, this.commits, this.checkpoints));
  }

  /**
   * adopt(), or a warning if it cannot (a file that is not SQLite, read-only or locked): what that file holds stays
   * there for a later start, and this journal is usable meanwhile.
   */
  private adoptOrWarn(file: string, options: { removeFile: boolean }): void {
    try {
      this.adopt(file, options);
    } catch (err) {
      logger.warn({ err, file }, 'could not move in the broadcasts another queue journal holds; they stay there for the next start');
    }
  }

  /**
   * Moves what another file's journal tables hold into these (one transaction), then empties them; `removeFile`: that
   * file was a journal's own (an older `queue.sqlite`), and goes too. That file's write lock is held from before the
   * rows are read until they are gone: a file that cannot be written fails before anything is copied (and not
   * copied again at every start), and a second process moving it at once waits, then finds nothing.
   */
  private adopt(file: string, { removeFile }: { removeFile: boolean }): void {
    if (!holdsJournal(file)) return;
    const old = openSqliteFile(file);
    try {
      createTables(old);
      old.exec('BEGIN IMMEDIATE');
      // Rows kept by a message's id are written out from that file's messages (in `old`, not here).
      const read = rowsIn(old).map((r) => r.broadcast);
      const pending = read.filter((b): b is Broadcast => b !== null).map(rowOf);
      logDropped(read.length - pending.length);
      const dead = old.prepare('SELECT payload, user_ids, order_key, reason, failed_at FROM dead_letters ORDER BY id').raw().all() as
        Array<[string, Buffer, string | null, string, number]>;
      const keepDead = this.db.prepare(`INSERT INTO dead_letters (payload, user_ids, order_key, reason, failed_at)
        VALUES (?, ?, ?, ?, ?)`);
      this.db.transaction(() => {
        for (const row of pending) this.insert.run(...row);
        for (const row of dead) keepDead.run(...row);
      })();
      // Emptied once its rows are committed here: a crash in between moves them again at the next start (its
      // broadcasts are then delivered twice: at least once), never loses them.
      old.exec('DELETE FROM broadcasts; DELETE FROM dead_letters; COMMIT');
      if (pending.length + dead.length > 0) logger.info({ pending: pending.length, deadLetters: dead.length, from: file }, 'queue journal moved in');
    } finally {
      if (old.inTransaction) old.exec('ROLLBACK');
      old.close();
    }
    if (!removeFile) return;
    try {
      for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    } catch (err) {
      logger.warn({ err, file }, 'could not remove the emptied queue journal file');
    }
  }
}

const ownFile = (dataDir: string) => join(dataDir, 'queue.sqlite');

/** A broadcast's row, its event in full. */
function rowOf({ payload, userIds, orderKey, eventType, storedMessage }: Broadcast): JournalRow {
  return [payload, pack(userIds), orderKey ?? null, eventType ?? null, storedMessage ? STORED_WITH_EVENT : NOT_STORED];
}

/**
 * The row of a sent message's broadcast by the message's id (see QueueJournal.append), or undefined when the
 * broadcast is not one whose event messageEventJson writes from the message alone.
 */
function rowById({ userIds, orderKey, eventType, stored }: Broadcast): JournalRow | undefined {
  if (!stored || stored.revisedAt !== null || orderKey !== stored.message.groupId) return undefined;
  if (eventType !== 'message' && eventType !== 'action_log') return undefined;
  return [stored.message.messageId, pack(userIds), orderKey, eventType, STORED_BY_ID];
}

/**
 * The oldest `limit` rows of the journal in `db` (all of them for -1), each with its broadcast: null for a message
 * deleted since. The file's messages are read only if a row asks: a journal's own file has no such table.
 */
function rowsIn(db: Database.Database, limit = -1): Array<{ id: number; broadcast: Broadcast | null }> {
  const rows = db.prepare('SELECT id, payload, user_ids, order_key, event_type, stored_message FROM broadcasts ORDER BY id LIMIT ?')
    .all(limit) as StoredRow[];
  let messages: SqliteMessageEdits | undefined;
  const messagesOf = () => (messages ??= new SqliteMessageEdits(db));
  return rows.map((r) => ({ id: r.id, broadcast: broadcastOfRow(r, messagesOf) }));
}

function logDropped(count: number): void {
  if (count > 0) logger.info({ dropped: count }, 'queue journal: broadcasts of messages deleted before they went out are dropped');
}

/** The broadcast a row keeps; for a row kept by a message's id, null when that message is gone. */
function broadcastOfRow(r: StoredRow, messages: () => SqliteMessageEdits): Broadcast | null {
  let payload = r.payload;
  if (r.stored_message === STORED_BY_ID) {
    const message = r.order_key === null ? null : messages().get(r.order_key, r.payload);
    if (!message) return null;
    payload = messageEventJson(message, r.event_type === 'action_log' ? 'action_log' : 'message');
  }
  const broadcast: Broadcast = { payload, userIds: unpack(r.user_ids) as number[] };
  if (r.order_key !== null) broadcast.orderKey = r.order_key;
  if (r.event_type !== null) broadcast.eventType = r.event_type;
  if (r.stored_message !== NOT_STORED) broadcast.storedMessage = true;
  return broadcast;
}

/** `ids` as runs of consecutive numbers, each `[first, last]`, ascending. */
export function idRuns(ids: readonly number[]): Array<[number, number]> {
  const sorted = [...ids].sort((a, b) => a - b);
  const runs: Array<[number, number]> = [];
  for (const id of sorted) {
    const run = runs.at(-1);
    if (run && id <= run[1] + 1) run[1] = Math.max(run[1], id);
    else runs.push([id, id]);
  }
  return runs;
}

/** Whether `file` exists and has the journal's table: opening it does not create either. */
function holdsJournal(file: string): boolean {
  if (!existsSync(file)) return false;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'broadcasts'").get() !== undefined;
  } finally {
    db.close();
  }
}

function createTables(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS broadcasts (id INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT NOT NULL,
    user_ids BLOB NOT NULL, order_key TEXT);
    CREATE TABLE IF NOT EXISTS dead_letters (id INTEGER PRIMARY KEY, payload TEXT NOT NULL, user_ids BLOB NOT NULL,
    order_key TEXT, reason TEXT NOT NULL, failed_at INTEGER NOT NULL);`);
  addMissingColumns(db);
}

/** Journals written before broadcasts carried their event type and stored-message mark get the two columns. */
function addMissingColumns(db: Database.Database): void {
  const columns = new Set((db.prepare('PRAGMA table_info(broadcasts)').all() as Array<{ name: string }>).map((c) => c.name));
  db.transaction(() => {
    if (!columns.has('event_type')) db.exec('ALTER TABLE broadcasts ADD COLUMN event_type TEXT');
    if (!columns.has('stored_message')) db.exec('ALTER TABLE broadcasts ADD COLUMN stored_message INTEGER NOT NULL DEFAULT 0');
  }).immediate();
}
