/**
 * What a send costs on SQLite in CPU, the storage part alone: turns of concurrent sends to one group of three, each
 * turn's message rows and queue journal rows handed in as `dino start` hands them (one unit per send, one commit per
 * turn), the previous turn's projector write (the group's last message, the sender's marks) and the journal rows of
 * the previous turn's delivered broadcasts joining that commit. Beside it, in the same process and run by run
 * interleaved, the raw baseline: better-sqlite3 inserting the same message rows, one prepared INSERT each, one
 * transaction per turn, into a table of the same shape, nothing else. No HTTP, no fan-out: this is the part of a send
 * that a storage thread of its own would take off the main thread. Dino's side also makes each send's id and event
 * (one JSON.stringify, a microsecond or two); the raw side makes the id only.
 *
 *   npx tsx bench/sqlite-send-writes.ts [--turns 2000] [--per-turn 15] [--runs 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GROUP_OPEN, GROUP_TYPE_PRIVATE, type Message } from '../src/core/model.js';
import { messageEvent } from '../src/core/events.js';
import { newTimeUuid } from '../src/core/ids.js';
import type { Activity } from '../src/core/ports/index.js';
import { QueueJournal } from '../src/queue/sqlite-journal.js';
import { openSqliteFile } from '../src/sqlite-file.js';
import { SqliteStorage } from '../src/storage/sqlite.js';
import { figure } from './stats.js';

const { values } = parseArgs({ options: {
  turns: { type: 'string', default: '2000' }, 'per-turn': { type: 'string', default: '15' }, runs: { type: 'string', default: '5' },
} });
const [turns, perTurn, runs] = [Number(values.turns), Number(values['per-turn']), Number(values.runs)];
const GROUP = 'bench-group';
const MEMBERS = [1_000_000_000_001, 1_000_000_000_002, 1_000_000_000_003];
const PAYLOAD = 'bench message';

function newMessage(): Message {
  const { id, micros } = newTimeUuid();
  return { groupId: GROUP, messageId: id, senderId: MEMBERS[0]!, payload: PAYLOAD, messageType: 'text', createdAt: micros };
}

/** CPU microseconds per send of `turns` turns of `step`. */
async function cpuPerSend(step: () => Promise<void> | void): Promise<number> {
  const before = process.cpuUsage();
  for (let t = 0; t < turns; t++) await step();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / (turns * perTurn);
}

/** Dino's storage and journal, as `dino start` opens them, and one turn of its writes. */
async function dinoWrites(dir: string) {
  const storage = SqliteStorage.open(dir);
  const journal = QueueJournal.sharing(storage.sharedFile(), dir);
  const at = newTimeUuid().micros;
  await storage.createGroup({ groupId: GROUP, name: 'bench', description: null, status: GROUP_OPEN, groupType: GROUP_TYPE_PRIVATE,
    ownerId: MEMBERS[0]!, meta: null, createdAt: at, updatedAt: at, lastMessageTime: at, lastMessageId: null,
    lastMessageUserId: null, lastMessageType: null, lastMessageOverview: null }, MEMBERS.map((userId) => ({ userId, joinTime: at })));
  let delivered: number[] = [];
  let activity: Activity | null = null;
  const turn = async () => {
    // What the previous turn left: its delivered broadcasts and its projector write, in this turn's commit.
    for (const id of delivered) journal.delivered(id);
    const projected = activity ? storage.applyActivity(activity) : undefined;
    const sends = Array.from({ length: perTurn }, () => {
      const message = newMessage();
      const broadcast = { payload: JSON.stringify(messageEvent(message)), userIds: MEMBERS, orderKey: GROUP, eventType: 'message', storedMessage: true };
      const [written, appended] = journal.together(() => [storage.saveMessage(message), journal.append(broadcast)] as const);
      return Promise.all([written, appended, message] as const);
    });
    const done = await Promise.all(sends);
    await projected;
    delivered = done.map(([, id]) => id);
    const last = done.at(-1)![2];
    activity = { lastMessages: [last], sends: [{ groupId: GROUP, userId: last.senderId, at: last.createdAt }], revisions: [] };
  };
  return { turn, close: () => storage.close() };
}

/** The least a send writes: its row, in a table of the messages table's shape, one transaction per turn. */
function rawWrites(dir: string) {
  const db = openSqliteFile(join(dir, 'raw.sqlite'));
  db.exec(`CREATE TABLE messages (group_id TEXT NOT NULL, created_at INTEGER NOT NULL, message_id TEXT NOT NULL,
    sender_id INTEGER NOT NULL, message_type TEXT NOT NULL, payload TEXT NOT NULL,
    PRIMARY KEY (group_id, created_at, message_id)) STRICT, WITHOUT ROWID`);
  const insert = db.prepare('INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)');
  const commit = db.transaction((rows: Message[]) => {
    for (const m of rows) insert.run(m.groupId, m.createdAt, m.messageId, m.senderId, m.messageType, m.payload);
  });
  return { turn: () => commit(Array.from({ length: perTurn }, newMessage)), close: () => db.close() };
}

const dir = mkdtempSync(join(tmpdir(), 'dino-sqlite-writes-'));
const dino = await dinoWrites(dir);
const raw = rawWrites(dir);
try {
  // Warm-up: JIT, statement caches, the files' first pages.
  for (let t = 0; t < 300; t++) {
    await dino.turn();
    raw.turn();
  }
  const results = { dino: [] as number[], raw: [] as number[] };
  for (let run = 1; run <= runs; run++) {
    results.dino.push(await cpuPerSend(dino.turn));
    results.raw.push(await cpuPerSend(raw.turn));
    process.stderr.write(`run ${run}/${runs}: dino ${results.dino.at(-1)!.toFixed(1)} µs/send, raw ${results.raw.at(-1)!.toFixed(1)} µs/row\n`);
  }
  const [d, r] = [figure(results.dino).median, figure(results.raw).median];
  process.stdout.write(`${JSON.stringify({ turns, perTurn, runs, cpuMicrosPerSend: { dino: d, raw: r, ratio: d / r } })}\n`);
} finally {
  await dino.close();
  raw.close();
  rmSync(dir, { recursive: true, force: true });
}
