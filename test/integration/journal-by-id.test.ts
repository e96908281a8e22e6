/**
 * `dino start` on SQLite keeps the broadcast of a message it sends by the message's id: the journal row commits with
 * the message row in one transaction, and the event is written again from that row wherever the journal is read
 * back (a restart, a hand-over to Redis, a move to a journal file of its own). Real SQLite files throughout.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { messageEventJson } from '../../src/core/events.js';
import { newTimeUuid } from '../../src/core/ids.js';
import type { Message } from '../../src/core/model.js';
import type { Broadcast } from '../../src/core/ports/queue.js';
import { QueueJournal } from '../../src/queue/sqlite-journal.js';
import { SqliteStorage, storageFileIn } from '../../src/storage/sqlite.js';

const groupId = '6a1d0c3e-2b3c-4d5e-8f90-0a1b2c3d4e5f';
type SentType = 'message' | 'action_log';

function message(payload: string): Message {
  const { id, micros } = newTimeUuid();
  return { groupId, messageId: id, senderId: 1_000_000_000_001, payload, messageType: 'text', createdAt: micros };
}

/** A send's broadcast as Messages.sendToGroup makes it: the message at hand beside its event. */
const sendBroadcast = (m: Message, eventType: SentType = 'message'): Broadcast => ({ payload: messageEventJson(m, eventType),
  userIds: [1, 2], orderKey: m.groupId, eventType, storedMessage: true, stored: { message: m, revisedAt: null } });
/** The same broadcast as a queue reads it back: no message at hand. */
const readBack = (m: Message, eventType: SentType = 'message'): Broadcast => ({ payload: messageEventJson(m, eventType),
  userIds: [1, 2], orderKey: m.groupId, eventType, storedMessage: true });

function openShared(dir = mkdtempSync(join(tmpdir(), 'dino-by-id-'))) {
  const storage = SqliteStorage.open(dir);
  const journal = QueueJournal.sharing(storage.sharedFile(), dir);
  /** Writes the message row and appends its broadcast in one transaction, as the in-process queue's enqueueAfter does. */
  const send = async (m: Message, eventType: SentType = 'message'): Promise<number> => {
    let written!: Promise<void>;
    const appended = journal.together(() => {
      written = storage.saveMessage(m);
      return journal.append(sendBroadcast(m, eventType), { withMessageRow: true });
    });
    const [, id] = await Promise.all([written, appended]);
    return id;
  };
  const rows = () => storage.sharedFile().db.prepare('SELECT payload, stored_message FROM broadcasts ORDER BY id').raw().all();
  return { dir, storage, journal, send, rows };
}

describe('the journal of a sent message kept by its id', () => {
  it('holds the message id alone, and the event written again when read back, for message and action_log', async () => {
    const { dir, storage, journal, send, rows } = openShared();
    const [hello, joined] = [message('hello "there" 😀'), message('joined')];
    await send(hello);
    await send(joined, 'action_log');
    await journal.append({ payload: '{"event_type":"notice"}', userIds: [3], eventType: 'notice' });
    expect(rows()).toEqual([[hello.messageId, 2], [joined.messageId, 2], ['{"event_type":"notice"}', 0]]);
    await storage.close();

    const reopened = openShared(dir);
    expect(reopened.journal.pending().map((p) => p.broadcast)).toEqual([readBack(hello), readBack(joined, 'action_log'),
      { payload: '{"event_type":"notice"}', userIds: [3], eventType: 'notice' }]);
    await reopened.storage.close();
  });

  it('announces a message edited since as edited, and drops the broadcast of one deleted since with its row', async () => {
    const { dir, storage, send } = openShared();
    const [kept, edited, deleted] = [message('kept'), message('first words'), message('gone')];
    for (const m of [kept, edited, deleted]) await send(m);
    await storage.editMessage(groupId, edited.messageId, 'second words');
    await storage.deleteMessage(groupId, deleted.messageId);
    await storage.close();

    const reopened = openShared(dir);
    expect(reopened.journal.pending().map((p) => p.broadcast)).toEqual([readBack(kept), readBack({ ...edited, payload: 'second words' })]);
    expect(reopened.rows()).toEqual([[kept.messageId, 2], [edited.messageId, 2]]);
    await reopened.storage.close();
  });

  it('writes the event out where the broadcast leaves the file: a hand-over, a move to a journal of its own, a dead letter', async () => {
    const { dir, storage, journal, send } = openShared();
    const [handed, moved, buried] = [message('handed over'), message('moved'), message('buried')];
    const [deletedBeforeHandOver, deletedBeforeMove] = [message('never handed over'), message('never moved')];
    journal.deadLettered(await send(buried), sendBroadcast(buried), 'gave up');
    await send(deletedBeforeHandOver);
    await send(handed);
    await storage.deleteMessage(groupId, deletedBeforeHandOver.messageId);
    await storage.close();

    const handedOver: Broadcast[] = [];
    const file = QueueJournal.open(storageFileIn(dir));
    expect(await file.handOver(async (b) => void handedOver.push(b))).toBe(1);
    await file.close();
    expect(handedOver).toEqual([readBack(handed)]);
    const dead = new Database(storageFileIn(dir), { readonly: true });
    expect(dead.prepare('SELECT payload FROM dead_letters').pluck().all()).toEqual([messageEventJson(buried)]);
    dead.close();

    const again = openShared(dir);
    await again.send(moved);
    await again.send(deletedBeforeMove, 'action_log');
    await again.storage.deleteMessage(groupId, deletedBeforeMove.messageId);
    await again.storage.close();
    const own = QueueJournal.inDataDir(dir); // storage changed: the storage file's journal moves into queue.sqlite
    expect(own.pending().map((p) => p.broadcast)).toEqual([readBack(moved)]);
    await own.close();
    const ownFile = new Database(join(dir, 'queue.sqlite'), { readonly: true });
    expect(ownFile.prepare('SELECT payload, stored_message FROM broadcasts').raw().all()).toEqual([[messageEventJson(moved), 1]]);
    ownFile.close();
  });

  it('keeps the whole event of a broadcast appended without its message row beside it', async () => {
    const { journal, rows, storage } = openShared();
    const m = message('not stored in this unit');
    await journal.append(sendBroadcast(m));
    expect(rows()).toEqual([[messageEventJson(m), 1]]);
    await storage.close();
  });

  it('keeps a message and its id-only row together when their commit is retried unit by unit', async () => {
    const { dir, storage, send, rows } = openShared();
    storage.sharedFile().db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN NEW.payload = 'refused'
      BEGIN SELECT RAISE(ABORT, 'row refused'); END`);
    const [kept, refused] = [message('kept'), message('refused')];
    const outcomes = await Promise.allSettled([send(kept), send(refused)]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    expect(rows()).toEqual([[kept.messageId, 2]]);
    await storage.close();
    const reopened = openShared(dir);
    expect(reopened.journal.pending().map((p) => p.broadcast)).toEqual([readBack(kept)]);
    await reopened.storage.close();
  });

  it('keeps the whole event in a journal file of its own, which has no messages beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dino-by-id-'));
    const journal = QueueJournal.inDataDir(dir);
    const m = message('elsewhere');
    await journal.append(sendBroadcast(m), { withMessageRow: true });
    expect(journal.pending().map((p) => p.broadcast)).toEqual([readBack(m)]);
    await journal.close();
  });
});
