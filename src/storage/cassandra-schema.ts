import type cassandra from 'cassandra-driver';
import type { Micros } from '../core/time.js';

/**
 * Messages are partitioned by (group_id, bucket): a bucket is a fixed 10-day window of the message's time, so a
 * busy group's partition stays bounded while a quiet group's history needs few buckets to walk. The bucket is
 * derived from the message id alone (its time is the message's created_at). Changing the window re-homes every
 * message, so it is part of the schema, not a setting.
 */
export const MESSAGE_BUCKET_MICROS: Micros = 10 * 24 * 3600 * 1_000_000;
export const messageBucket = (micros: Micros): number => Math.floor(micros / MESSAGE_BUCKET_MICROS);

/** Each entry upgrades the schema by one version (`{ks}` is the keyspace); every statement is idempotent. */
const MIGRATIONS: string[][] = [
  [
    // Times are integer microseconds (bigint), like the SQLite adapter; the last_message_* and updated_at cells
    // are written with USING TIMESTAMP = the event's time, so the newest event wins whatever order writes land in.
    `CREATE TABLE IF NOT EXISTS {ks}.groups (
       group_id uuid PRIMARY KEY,
       name text, description text, status int, group_type int, owner_id bigint, meta bigint,
       created_at bigint, updated_at bigint,
       last_message_time bigint, last_message_id timeuuid, last_message_user_id bigint,
       last_message_type text, last_message_overview text)`,
    `CREATE TABLE IF NOT EXISTS {ks}.members_by_group (
       group_id uuid, user_id bigint, join_time bigint,
       PRIMARY KEY (group_id, user_id))`,
    `CREATE TABLE IF NOT EXISTS {ks}.groups_by_user (
       user_id bigint, group_id uuid,
       join_time bigint, last_read_time bigint, last_sent_time bigint, delete_before bigint,
       PRIMARY KEY (user_id, group_id))`,
    `CREATE TABLE IF NOT EXISTS {ks}.messages (
       group_id uuid, bucket int, message_id timeuuid,
       sender_id bigint, message_type text, payload text,
       PRIMARY KEY ((group_id, bucket), message_id))
     WITH CLUSTERING ORDER BY (message_id DESC)`,
  ],
  [
    // A member's own state (issue 13), in the user's partition beside its read mark. Null reads as the default
    // (see cassandra-member-state.ts), so rows written before this version need no backfill.
    `ALTER TABLE {ks}.groups_by_user ADD IF NOT EXISTS (highlight_time bigint, hidden_at bigint, deleted boolean,
       bookmark boolean, pin boolean, rating int, notifications boolean, kicked boolean, last_updated_time bigint)`,
  ],
  [
    // Retention (issue 13): the floor below which the group's messages were purged; null = never purged (created_at).
    `ALTER TABLE {ks}.groups ADD IF NOT EXISTS first_message_time bigint`,
    // The retention job needs every member's delete_before per group, kicked members included (members_by_group
    // drops them). A storage-attached index reads it from groups_by_user itself: no second copy to keep in step,
    // and Cassandra builds it for rows written before this version. Its cost is a little work on each write of
    // groups_by_user and one all-node query per group in the (nightly) retention job.
    `CREATE CUSTOM INDEX IF NOT EXISTS groups_by_user_group ON {ks}.groups_by_user (group_id) USING 'StorageAttachedIndex'`,
  ],
  [
    // Attachments (issue 13): the record of a processed placeholder, kept three ways so each read is one partition:
    // a group's by message time (every one, so retention can purge them; `listed` picks what is listed and counted),
    // one by (group, file id), a sender's by group (its deletes).
    `CREATE TABLE IF NOT EXISTS {ks}.attachments_by_group (
       group_id uuid, message_id timeuuid, sender_id bigint, file_id text, message_type text, payload text, updated_at bigint,
       listed boolean,
       PRIMARY KEY ((group_id), message_id))
     WITH CLUSTERING ORDER BY (message_id DESC)`,
    `CREATE TABLE IF NOT EXISTS {ks}.attachments_by_file (
       group_id uuid, file_id text, message_id timeuuid, sender_id bigint, message_type text, payload text, updated_at bigint,
       PRIMARY KEY ((group_id, file_id)))`,
    `CREATE TABLE IF NOT EXISTS {ks}.attachments_by_user (
       sender_id bigint, group_id uuid, message_id timeuuid, file_id text, message_type text, payload text, updated_at bigint,
       PRIMARY KEY ((sender_id), group_id, message_id))`,
  ],
];

export const CASSANDRA_SCHEMA_VERSION = MIGRATIONS.length;

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,47}$/;
const DC_NAME = /^[A-Za-z0-9_.-]+$/;

export function checkKeyspaceName(keyspace: string): string {
  if (!NAME.test(keyspace)) throw new Error(`invalid Cassandra keyspace name: ${JSON.stringify(keyspace)}`);
  return keyspace;
}

/**
 * The keyspace replication map for a spec: `simple:N` (SimpleStrategy, one data centre, for development) or
 * `dc1:3,dc2:3` (NetworkTopologyStrategy, replicas per data centre, for production).
 */
export function replicationCql(spec: string): string {
  const replicas = (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`invalid replication factor in ${JSON.stringify(spec)}`);
    return n;
  };
  const simple = /^simple:(\d+)$/.exec(spec.trim());
  if (simple) return `{'class': 'SimpleStrategy', 'replication_factor': ${replicas(simple[1]!)}}`;
  const dcs = spec.split(',').map((part) => {
    const [dc, rf, extra] = part.trim().split(':');
    if (!dc || !DC_NAME.test(dc) || rf === undefined || extra !== undefined) {
      throw new Error(`invalid replication spec ${JSON.stringify(spec)}: expected simple:N or dc1:N,dc2:N`);
    }
    return `'${dc}': ${replicas(rf)}`;
  });
  return `{'class': 'NetworkTopologyStrategy', ${dcs.join(', ')}}`;
}

/** The schema version recorded in the keyspace, or 0 when the keyspace or its version table does not exist. */
export async function cassandraSchemaVersion(client: cassandra.Client, keyspace: string): Promise<number> {
  const table = await client.execute(
    'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?',
    [checkKeyspaceName(keyspace), 'schema_version'], { prepare: true });
  if (table.rowLength === 0) return 0;
  const row = (await client.execute(`SELECT version FROM ${keyspace}.schema_version WHERE id = 0`)).first();
  return row ? (row['version'] as number) : 0;
}

/**
 * Creates the keyspace and brings its tables to the newest version; running it again changes nothing. Run it from
 * one process at a time: concurrent schema changes on different nodes can disagree.
 * Returns the number of versions applied.
 */
export async function migrateCassandra(client: cassandra.Client, keyspace: string, replication: string): Promise<number> {
  checkKeyspaceName(keyspace);
  await client.execute(`CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = ${replicationCql(replication)}`);
  await client.execute(`CREATE TABLE IF NOT EXISTS ${keyspace}.schema_version (id int PRIMARY KEY, version int)`);
  const from = await cassandraSchemaVersion(client, keyspace);
  for (let v = from; v < MIGRATIONS.length; v++) {
    for (const ddl of MIGRATIONS[v]!) await client.execute(ddl.replaceAll('{ks}', keyspace));
    await client.execute(`INSERT INTO ${keyspace}.schema_version (id, version) VALUES (0, ?)`, [v + 1],
      { prepare: true });
  }
  return Math.max(0, MIGRATIONS.length - from);
}
