import Database from 'better-sqlite3';

/**
 * Opens one of Dino's SQLite files (storage, queue journal, broker sessions) the same way: WAL, so readers never wait
 * for the writer; `synchronous = NORMAL`, which survives a process crash (a power cut may lose the last commits); and
 * a busy timeout, for two processes opening one file at once.
 */
export function openSqliteFile(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}
