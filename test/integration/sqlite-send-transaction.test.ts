/**
 * `dino start` on SQLite: the queue's journal lives in the storage's file and shares its commits, so a message row
 * and its broadcast are written in one transaction, both or neither; a journal file of its own, left by an earlier
 * start, is moved in. Faults are made by SQLite triggers that refuse one row.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InProcessGroupChanges } from '../../src/changes/in-process.js';
import { loadConfig } from '../../src/config.js';
import { Dino } from '../../src/core/dino.js';
import { ErrorCode } from '../../src/core/errors.js';
import { newGroup } from '../../src/core/groups.js';
import { newTimeUuid } from '../../src/core/ids.js';
import type { Message } from '../../src/core/model.js';
import type { Broadcast } from '../../src/core/ports/queue.js';
import { InProcessQueue } from '../../src/queue/in-process.js';
import { QueueJournal } from '../../src/queue/sqlite-journal.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { sleep, until } from '../support/wait.js';

const settings = loadConfig({}).queue;

function openBoth(dir = mkdtempSync(join(tmpdir(), 'dino-send-tx-')), storage = SqliteStorage.open(dir)) {
  const journal = QueueJournal.sharing(storage.sharedFile(), dir);
  const queue = new InProcessQueue(settings, { journal });
  const delivered: Broadcast[] = [];
  queue.startConsuming(async (b) => void delivered.push(b));
  const { db } = storage.sharedFile();
  return { dir, storage, journal, queue, delivered, db };
}

const groupId = '5f0c6a3e-1b2c-4d5e-8f90-0a1b2c3d4e5f';
function message(payload: string): Message {
  const { id, micros } = newTimeUuid();
  return { groupId, messageId: id, senderId: 1, payload, messageType: 'text', createdAt: micros };
}
const broadcastOf = (m: Message): Broadcast => ({ payload: JSON.stringify({ text: m.payload }), userIds: [1, 2], orderKey: groupId });
const storedTexts = async (storage: SqliteStorage) =>
  (await storage.listMessages(groupId, { limit: 100, floor: 0 })).map((m) => m.payload).sort();

describe('a message and its broadcast in one SQLite transaction', () => {
  it('keeps neither when the broadcast cannot be written, and the other sends of the same commit both', async () => {
    const { storage, queue, delivered, db } = openBoth();
    db.exec(`CREATE TRIGGER refuse_poison BEFORE INSERT ON broadcasts WHEN NEW.payload LIKE '%poison%'
      BEGIN SELECT RAISE(ABORT, 'journal refused'); END`);
    const [good, bad, other] = [message('good'), message('poison'), message('other')];
    const sends = [good, bad, other].map((m) => queue.enqueueAfter(() => storage.saveMessage(m), broadcastOf(m)));
    const outcomes = await Promise.allSettled(sends);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await storedTexts(storage)).toEqual(['good', 'other']);
    await until('the two broadcasts', () => delivered.length === 2);
    await sleep(100);
    expect(delivered.map((b) => JSON.parse(b.payload).text).sort()).toEqual(['good', 'other']);
    await queue.close();
    await storage.close();
  });

  it('queues no broadcast when the message row cannot be written', async () => {
    const { storage, queue, delivered, db, journal } = openBoth();
    db.exec(`CREATE TRIGGER refuse_row BEFORE INSERT ON messages WHEN NEW.payload = 'refused'
      BEGIN SELECT RAISE(ABORT, 'row refused'); END`);
    const refused = message('refused');
    await expect(queue.enqueueAfter(() => storage.saveMessage(refused), broadcastOf(refused))).rejects.toThrow('row refused');
    const fine = message('fine');
    await queue.enqueueAfter(() => storage.saveMessage(fine), broadcastOf(fine));
    await until('the broadcast that was kept', () => delivered.length === 1);
    await sleep(100);
    expect(delivered.map((b) => JSON.parse(b.payload).text)).toEqual(['fine']);
    expect(await storedTexts(storage)).toEqual(['fine']);
    await queue.stopConsuming();
    expect(journal.pending()).toEqual([]);
    await queue.close();
    await storage.close();
  });

  it('withdraws the broadcast of a write that failed before it reached the commit', async () => {
    const { storage, queue, delivered, journal } = openBoth();
    await expect(queue.enqueueAfter(async () => {
      throw new Error('refused before writing');
    }, { payload: 'withdrawn', userIds: [1] })).rejects.toThrow('refused before writing');
    expect(journal.pending()).toEqual([]); // gone before the caller heard: a crash now cannot deliver it
    await queue.enqueue({ payload: 'next', userIds: [1] });
    await until('the next broadcast', () => delivered.length === 1);
    expect(delivered.map((b) => b.payload)).toEqual(['next']);
    await queue.close();
    await storage.close();
  });

  it('drops the writes of a unit whose hand-in threw, instead of committing them alone', async () => {
    const { storage, queue } = openBoth();
    const { commits } = storage.sharedFile();
    let saved: Promise<void> | undefined;
    expect(() => commits.together(() => {
      saved = storage.saveMessage(message('half'));
      throw new Error('the broadcast could not be handed in');
    })).toThrow('the broadcast could not be handed in');
    await expect(saved).rejects.toThrow('the broadcast could not be handed in');
    await storage.saveMessage(message('whole')); // the next commit goes ahead
    expect(await storedTexts(storage)).toEqual(['whole']);
    await queue.close();
    await storage.close();
  });

  it('commits the projector\'s write with the sends of its turn, and fails it alone when it is refused', async () => {
    const { storage, queue, db } = openBoth();
    const at = newTimeUuid().micros;
    await storage.createGroup(newGroup({ groupId, name: 'g', groupType: 0, ownerId: 1, description: null, meta: null }, at),
      [{ userId: 1, joinTime: at }, { userId: 2, joinTime: at }]);
    db.exec(`CREATE TRIGGER refuse_overview BEFORE UPDATE OF last_message_overview ON groups
      WHEN NEW.last_message_overview = 'poison' BEGIN SELECT RAISE(ABORT, 'projection refused'); END`);
    const activity = (m: Message) => ({ lastMessages: [m], sends: [{ groupId, userId: m.senderId, at: m.createdAt }], revisions: [] });
    const [first, poison, second] = [message('first'), message('poison'), message('second')];
    // All in one turn: two sends, and a projector write that the trigger refuses between them.
    const outcomes = await Promise.allSettled([
      queue.enqueueAfter(() => storage.saveMessage(first), broadcastOf(first)),
      storage.applyActivity(activity(poison)),
      queue.enqueueAfter(() => storage.saveMessage(second), broadcastOf(second)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toContain('projection refused');
    expect(await storedTexts(storage)).toEqual(['first', 'second']);
    // A write the file takes commits with the sends of its turn like any other.
    const third = message('third');
    await Promise.all([storage.applyActivity(activity(second)), queue.enqueueAfter(() => storage.saveMessage(third), broadcastOf(third))]);
    expect(await storage.getGroup(groupId)).toMatchObject({ lastMessageId: second.messageId, lastMessageOverview: 'second' });
    await queue.close();
    await storage.close();
    // Once the file is closed a write fails at once rather than waiting for a commit that will never come.
    await expect(storage.applyActivity(activity(third))).rejects.toThrow('closed');
  });

  /** Dino over the pair, a group of two with an image placeholder, and logs of what the file ever committed. */
  async function withPlaceholder(storage?: SqliteStorage) {
    const both = openBoth(undefined, storage);
    const { queue, db } = both;
    const dino = new Dino({ storage: both.storage, queue, changes: new InProcessGroupChanges() },
      { maxEventBytes: 64 * 1024, readReceiptMaxMembers: 10, unreadCacheSize: 0 });
    const { group } = await dino.groups.create(1, { groupName: 'g', users: [2] });
    const placeholder = await dino.messages.sendToGroup(group.groupId, 1, { messagePayload: 'uploading', messageType: 'image' });
    // Rows as committed: what a transaction rolled back leaves nothing here.
    db.exec(`CREATE TABLE seen (what TEXT);
      CREATE TRIGGER seen_edit AFTER UPDATE OF payload ON messages BEGIN INSERT INTO seen VALUES ('edit ' || NEW.payload); END;
      CREATE TRIGGER seen_record AFTER INSERT ON attachments BEGIN INSERT INTO seen VALUES ('record ' || NEW.file_id); END;
      CREATE TRIGGER seen_event AFTER INSERT ON broadcasts WHEN NEW.payload LIKE '%"event_type":"attachment"%'
      BEGIN INSERT INTO seen VALUES ('event'); END`);
    const seen = () => (db.prepare('SELECT what FROM seen').all() as Array<{ what: string }>).map((r) => r.what);
    const create = () => dino.attachments.create(1, group.groupId, placeholder.messageId, { fileId: 'f1', payload: 'done' });
    return { ...both, groupId: group.groupId, placeholder, seen, create };
  }

  it('writes an attachment\'s new payload, record and event in one transaction: none of them when the event is refused', async () => {
    const { storage, queue, delivered, db, groupId, placeholder, seen, create } = await withPlaceholder();
    db.exec(`CREATE TRIGGER refuse_attachment BEFORE INSERT ON broadcasts WHEN NEW.payload LIKE '%"event_type":"attachment"%'
      BEGIN SELECT RAISE(ABORT, 'journal refused'); END`);
    await expect(create()).rejects.toThrow('journal refused');
    // Neither the new payload nor the record was ever committed (before, both were, then undone).
    expect(seen().filter((w) => w === 'edit done' || w.startsWith('record'))).toEqual([]);
    expect((await storage.getMessage(groupId, placeholder.messageId))!.payload).toBe('uploading');
    expect(await storage.getAttachment(groupId, 'f1')).toBeNull();

    db.exec('DROP TRIGGER refuse_attachment');
    await create();
    expect(seen()).toEqual(expect.arrayContaining(['edit done', 'record f1', 'event']));
    expect(await storage.getAttachment(groupId, 'f1')).toMatchObject({ messageId: placeholder.messageId, payload: 'done' });
    await until('the attachment event', () => delivered.some((b) => b.eventType === 'attachment'));
    expect(delivered.filter((b) => b.eventType === 'attachment')).toHaveLength(1);
    await queue.close();
    await storage.close();
  });

  it('writes nothing of an attachment whose placeholder is removed between its read and the write, and answers 602', async () => {
    // The placeholder goes (as a retention pass would take it) right after the attachment's read of it.
    class Racing extends SqliteStorage {
      override async getMessage(groupId: string, messageId: string) {
        const message = await super.getMessage(groupId, messageId);
        if (message?.messageType === 'image') await this.deleteMessage(groupId, messageId);
        return message;
      }
    }
    const racing = new Racing(join(mkdtempSync(join(tmpdir(), 'dino-send-tx-')), 'dino.sqlite'));
    const { queue, delivered, seen, create } = await withPlaceholder(racing);
    await expect(create()).rejects.toMatchObject({ code: ErrorCode.NO_SUCH_MESSAGE });
    expect(seen()).toEqual([]); // no record and no event, not even for a moment
    await queue.stopConsuming();
    expect(delivered.filter((b) => b.eventType === 'attachment')).toEqual([]);
    await queue.close();
    await racing.close();
  });

  it('moves in what a journal file of its own still held, and removes that file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dino-send-tx-'));
    const old = QueueJournal.inDataDir(dir);
    for (const payload of ['given up 1', 'given up 2', 'given up 3']) {
      const broadcast = { payload, userIds: [9] };
      old.deadLettered(await old.append(broadcast), broadcast, 'gave up');
    }
    await old.append({ payload: 'left', userIds: [7], orderKey: groupId, eventType: 'message', storedMessage: true });
    await old.append({ payload: 'behind', userIds: [8] });
    await old.close();
    expect(existsSync(join(dir, 'queue.sqlite'))).toBe(true);

    const storage = SqliteStorage.open(dir);
    const journal = QueueJournal.sharing(storage.sharedFile(), dir);
    expect(existsSync(join(dir, 'queue.sqlite'))).toBe(false);
    const queue = new InProcessQueue({ ...settings, maxAttempts: 1 }, { journal });
    const delivered: Broadcast[] = [];
    queue.startConsuming(async (b) => {
      if (b.payload === 'poison') throw new Error('always fails');
      delivered.push(b);
    });
    await until('the moved broadcasts', () => delivered.length === 2);
    expect(delivered).toEqual([{ payload: 'left', userIds: [7], orderKey: groupId, eventType: 'message', storedMessage: true },
      { payload: 'behind', userIds: [8] }]);
    // The moved broadcasts are numbered 1 and 2 here, this one 3: as the third dead letter moved in once was.
    await queue.enqueue({ payload: 'poison', userIds: [1] });
    await until('the new dead letter', () => queue.deadLetters.length === 1);
    const { db } = storage.sharedFile();
    expect((db.prepare('SELECT payload FROM dead_letters ORDER BY id').all() as Array<{ payload: string }>).map((r) => r.payload))
      .toEqual(['given up 1', 'given up 2', 'given up 3', 'poison']);
    await queue.close();
    await storage.close();
  });
});
