import type Database from 'better-sqlite3';
import { openSqliteFile } from '../../sqlite-file.js';
import { pack, unpack } from 'msgpackr';
import type { SessionPacket } from './types.js';

/**
 * The embedded broker's sessions on disk (`DINO_DATA_DIR/broker.sqlite`). Packets and subscription records are
 * msgpack blobs: what aedes hands over comes back field for field, Buffers included.
 *
 * - subscriptions: one row per (client, topic filter) of a persistent session.
 * - outgoing: the QoS 1/2 packets queued for a client, in `seq` order; `message_id` is set once one is on its way.
 * - incoming: inbound QoS 2 packets awaiting PUBREL.
 * - wills: the will of each connected client, with the id of the broker process that holds the connection.
 * - retained: the last retained message of each topic.
 * - sessions: when each persistent client was last connected or disconnected, for expiry.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS subscriptions (client_id TEXT NOT NULL, topic TEXT NOT NULL, record BLOB NOT NULL,
  PRIMARY KEY (client_id, topic)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outgoing (seq INTEGER PRIMARY KEY, client_id TEXT NOT NULL, broker_id TEXT,
  broker_counter INTEGER, message_id INTEGER, packet BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS outgoing_by_client ON outgoing (client_id, message_id);
CREATE TABLE IF NOT EXISTS incoming (client_id TEXT NOT NULL, message_id INTEGER NOT NULL, packet BLOB NOT NULL,
  PRIMARY KEY (client_id, message_id));
CREATE TABLE IF NOT EXISTS wills (client_id TEXT PRIMARY KEY, broker_id TEXT NOT NULL, packet BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS retained (topic TEXT PRIMARY KEY, packet BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (client_id TEXT PRIMARY KEY, last_seen INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_by_last_seen ON sessions (last_seen);
`;

export interface OutgoingRow {
  seq: number;
  message_id: number | null;
  packet: Buffer;
}

export const encode = (value: object): Buffer => pack(value);

/** A queued packet as aedes expects it back: the stored packet with the message id it was last sent under. */
export function decodeQueued(row: OutgoingRow, toPacket: (fields: SessionPacket) => SessionPacket): SessionPacket {
  const fields = unpack(row.packet) as SessionPacket;
  const packet = fields.cmd === 'publish' ? toPacket(fields) : fields;
  packet.messageId = row.message_id ?? undefined;
  return packet;
}

export const decode = <T>(blob: Buffer): T => unpack(blob) as T;

export function openSessionFile(file: string): Database.Database {
  const db = openSqliteFile(file);
  db.exec(SCHEMA);
  return db;
}

/** Every statement the store runs, prepared once. */
export function prepareStatements(db: Database.Database) {
  return {
    putSubscription: db.prepare<[string, string, Buffer]>('INSERT OR REPLACE INTO subscriptions VALUES (?, ?, ?)'),
    deleteSubscription: db.prepare<[string, string]>('DELETE FROM subscriptions WHERE client_id = ? AND topic = ?'),
    deleteSubscriptions: db.prepare<[string]>('DELETE FROM subscriptions WHERE client_id = ?'),
    allSubscriptions: db.prepare<[], { client_id: string; topic: string; record: Buffer }>(
      'SELECT client_id, topic, record FROM subscriptions ORDER BY client_id'),

    enqueue: db.prepare<[number, string, string | null, number | null, Buffer]>(
      'INSERT INTO outgoing (seq, client_id, broker_id, broker_counter, message_id, packet) VALUES (?, ?, ?, ?, NULL, ?)'),
    queued: db.prepare<[string], OutgoingRow>(
      'SELECT seq, message_id, packet FROM outgoing WHERE client_id = ? ORDER BY seq'),
    findByBroker: db.prepare<[string, string | null, number | null], { seq: number }>(`SELECT seq FROM outgoing
      WHERE client_id = ? AND broker_id IS ? AND broker_counter IS ? ORDER BY seq LIMIT 1`),
    findByMessageId: db.prepare<[string, number | null], OutgoingRow>(`SELECT seq, message_id, packet FROM outgoing
      WHERE client_id = ? AND message_id IS ? ORDER BY seq LIMIT 1`),
    oldestUnsent: db.prepare<[string], { seq: number }>(
      'SELECT seq FROM outgoing WHERE client_id = ? AND message_id IS NULL ORDER BY seq LIMIT 1'),
    setMessageId: db.prepare<[number | null, number]>('UPDATE outgoing SET message_id = ? WHERE seq = ?'),
    replaceQueued: db.prepare<[string | null, number | null, number | null, Buffer, number]>(`UPDATE outgoing
      SET broker_id = ?, broker_counter = ?, message_id = ?, packet = ? WHERE seq = ?`),
    dequeue: db.prepare<[number]>('DELETE FROM outgoing WHERE seq = ?'),
    deleteQueue: db.prepare<[string]>('DELETE FROM outgoing WHERE client_id = ?'),
    queueLengths: db.prepare<[], { client_id: string; n: number }>(
      'SELECT client_id, count(*) AS n FROM outgoing GROUP BY client_id'),
    lastSeq: db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM outgoing'),

    putIncoming: db.prepare<[string, number, Buffer]>('INSERT OR REPLACE INTO incoming VALUES (?, ?, ?)'),
    deleteIncoming: db.prepare<[string, number]>('DELETE FROM incoming WHERE client_id = ? AND message_id = ?'),
    deleteAllIncoming: db.prepare<[string]>('DELETE FROM incoming WHERE client_id = ?'),
    allIncoming: db.prepare<[], { client_id: string; packet: Buffer }>('SELECT client_id, packet FROM incoming'),

    putWill: db.prepare<[string, string, Buffer]>('INSERT OR REPLACE INTO wills VALUES (?, ?, ?)'),
    getWill: db.prepare<[string], { packet: Buffer }>('SELECT packet FROM wills WHERE client_id = ?'),
    deleteWill: db.prepare<[string]>('DELETE FROM wills WHERE client_id = ?'),
    allWills: db.prepare<[], { broker_id: string; packet: Buffer }>('SELECT broker_id, packet FROM wills'),

    putRetained: db.prepare<[string, Buffer]>('INSERT OR REPLACE INTO retained VALUES (?, ?)'),
    deleteRetained: db.prepare<[string]>('DELETE FROM retained WHERE topic = ?'),
    allRetained: db.prepare<[], { packet: Buffer }>('SELECT packet FROM retained'),

    seen: db.prepare<[string, number]>(`INSERT INTO sessions VALUES (?, ?)
      ON CONFLICT (client_id) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)`),
    unseenSince: db.prepare<[number, number], { client_id: string }>(
      'SELECT client_id FROM sessions WHERE last_seen < ? ORDER BY last_seen LIMIT ?'),
    forgetSession: db.prepare<[string]>('DELETE FROM sessions WHERE client_id = ?'),
  };
}

export type SessionStatements = ReturnType<typeof prepareStatements>;
