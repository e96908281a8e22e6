import type Database from 'better-sqlite3';

/** Each entry upgrades the schema by one version; `migrate` applies the missing ones in order. */
const MIGRATIONS: string[] = [
  `CREATE TABLE groups (
     group_id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     description TEXT,
     status INTEGER NOT NULL,
     group_type INTEGER NOT NULL,
     owner_id INTEGER,
     meta INTEGER,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     last_message_time INTEGER NOT NULL,
     last_message_id TEXT,
     last_message_user_id INTEGER,
     last_message_type TEXT,
     last_message_overview TEXT
   ) STRICT;
   CREATE TABLE memberships (
     group_id TEXT NOT NULL,
     user_id INTEGER NOT NULL,
     join_time INTEGER NOT NULL,
     last_read_time INTEGER NOT NULL,
     last_sent_time INTEGER,
     delete_before INTEGER NOT NULL,
     PRIMARY KEY (group_id, user_id)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX memberships_by_user ON memberships (user_id, group_id);
   CREATE TABLE messages (
     group_id TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     message_id TEXT NOT NULL,
     sender_id INTEGER NOT NULL,
     message_type TEXT NOT NULL,
     payload TEXT NOT NULL,
     PRIMARY KEY (group_id, created_at, message_id)
   ) STRICT, WITHOUT ROWID;`,
  // A member's own state (issue 13). last_updated_time NULL means "since the join" (rows from before this version).
  `ALTER TABLE memberships ADD COLUMN highlight_time INTEGER NOT NULL DEFAULT 789000000000000;
   ALTER TABLE memberships ADD COLUMN hidden_at INTEGER;
   ALTER TABLE memberships ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE memberships ADD COLUMN bookmark INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE memberships ADD COLUMN pin INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE memberships ADD COLUMN rating INTEGER;
   ALTER TABLE memberships ADD COLUMN notifications INTEGER NOT NULL DEFAULT 1;
   ALTER TABLE memberships ADD COLUMN kicked INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE memberships ADD COLUMN last_updated_time INTEGER;`,
  // Retention (issue 13): the floor below which the group's messages were purged; NULL = never purged (created_at).
  `ALTER TABLE groups ADD COLUMN first_message_time INTEGER;`,
  // Attachments (issue 13): one record per processed placeholder, keyed like its message; unlisted ones (audio) are
  // found by file id and among their sender's, never listed or counted.
  `CREATE TABLE attachments (
     group_id TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     message_id TEXT NOT NULL,
     sender_id INTEGER NOT NULL,
     file_id TEXT NOT NULL,
     message_type TEXT NOT NULL,
     payload TEXT NOT NULL,
     updated_at INTEGER NOT NULL,
     listed INTEGER NOT NULL,
     PRIMARY KEY (group_id, created_at, message_id)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX attachments_by_file ON attachments (group_id, file_id);
   CREATE INDEX attachments_by_user ON attachments (sender_id, group_id);`,
];

export function sqliteSchemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings the schema to the newest version; running it again changes nothing. */
export function migrateSqlite(db: Database.Database): number {
  // IMMEDIATE takes the write lock before the version is read: two processes opening one new file at once would
  // otherwise both see version 0 and both create the tables.
  return db.transaction(() => {
    const from = sqliteSchemaVersion(db);
    for (let v = from; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
    return MIGRATIONS.length - from;
  }).immediate();
}
