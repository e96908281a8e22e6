import Database from 'better-sqlite3';

/**
 * Reads every row of Dino's SQLite tables (groups, memberships, messages, attachments) from a running process's file, read-only:
 * two equal snapshots mean nothing was written in between.
 */
export function sqliteSnapshot(file: string): () => unknown[][] {
  return () => {
    const db = new Database(file, { readonly: true });
    try {
      return ['groups', 'memberships', 'messages', 'attachments'].map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all());
    } finally {
      db.close();
    }
  };
}
