import Database from 'better-sqlite3';

/** How long opening a file waits for another process that holds it (better-sqlite3's busy timeout too). */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens one of Dino's SQLite files (storage, queue journal, broker sessions) the same way: WAL, so readers never wait
 * for the writer; `synchronous = NORMAL`, which survives a process crash (a power cut may lose the last commits); and
 * a busy timeout, for two processes opening one file at once.
 */
export function openSqliteFile(file: string): Database.Database {
  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  enableWal(db);
  db.pragma('synchronous = NORMAL');
  return db;
}

/**
 * Switching a new file to WAL takes its lock; when two processes switch it at once (two `dino server` started
 * together on one data dir), SQLite answers one of them SQLITE_BUSY at once, without waiting (the wait could deadlock).
 * That one tries again until the other is done; by then the file is in WAL already.
 */
function enableWal(db: Database.Database): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/**
 * Closes one of Dino's files that a GroupCommit writes: its checkpoint thread first (see WalCheckpoints), if it has
 * one, then what is queued is committed and the file closed. Without a thread all of it happens before this returns.
 */
export async function closeSqliteFile(db: Database.Database, commits: { flush(): void }, checkpoints?: { stop(): Promise<void> }): Promise<void> {
  if (checkpoints) await checkpoints.stop();
  commits.flush();
  if (db.open) db.close();
}
