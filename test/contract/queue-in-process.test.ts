import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InProcessQueue } from '../../src/queue/in-process.js';
import type { Broadcast } from '../../src/core/ports/queue.js';
import { idRuns, QueueJournal } from '../../src/queue/sqlite-journal.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import Database from 'better-sqlite3';
import { pack } from 'msgpackr';
import { loadConfig } from '../../src/config.js';
import { sleep, until } from '../support/wait.js';
import { queueContract } from './queue.contract.js';

/** The configured defaults (DINO_MAX_ATTEMPTS, DINO_QUEUE_MAX_RECIPIENTS), changed where a test needs it. */
const defaults = loadConfig({}).queue;
const journalIn = (dir = mkdtempSync(join(tmpdir(), 'dino-journal-'))) => QueueJournal.inDataDir(dir);

// A short retry delay keeps the redelivery case quick; the behaviour is the same at any delay.
queueContract('in-process', async () => new InProcessQueue(defaults, { retryDelayMs: 20 }));
queueContract('in-process, journaled', async () => new InProcessQueue(defaults, { retryDelayMs: 20, journal: journalIn() }));
// As `dino start` on SQLite storage runs it: the journal in the storage's file, sharing its commits.
queueContract('in-process, journaled in the SQLite storage file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dino-journal-'));
  const storage = SqliteStorage.open(dir);
  const queue = new InProcessQueue(defaults, { retryDelayMs: 20, journal: QueueJournal.sharing(storage.sharedFile(), dir) });
  // The file is the storage's: closed with it, after the queue (as runtime.ts closes them).
  const closeQueue = queue.close.bind(queue);
  queue.close = async () => {
    await closeQueue();
    await storage.close();
  };
  return queue;
});

describe('in-process queue journal', () => {
  it('delivers after a restart what a stopped or crashed process had accepted, and only that', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dino-journal-'));
    const first = new InProcessQueue(defaults, { journal: journalIn(dir) });
    const delivered: Broadcast[] = [];
    first.startConsuming(async (b) => void delivered.push(b), { concurrency: 1 });
    await first.enqueue({ payload: 'done-before', userIds: [1] });
    await until('first delivery', () => delivered.length === 1);
    await first.stopConsuming();
    await first.enqueue({ payload: 'a', userIds: [1, 2], orderKey: 'g', eventType: 'message', storedMessage: true });
    await first.enqueue({ payload: 'b', userIds: [2 ** 53 - 1] });
    await first.close(); // the process goes away with two entries undelivered

    const second = new InProcessQueue(defaults, { journal: journalIn(dir) });
    second.startConsuming(async (b) => void delivered.push(b));
    await until('redelivery', () => delivered.length === 3);
    await sleep(50);
    expect(delivered.slice(1)).toEqual([{ payload: 'a', userIds: [1, 2], orderKey: 'g', eventType: 'message', storedMessage: true },
      { payload: 'b', userIds: [2 ** 53 - 1] }]);
    await second.close();
    expect(journalIn(dir).pending()).toEqual([]);
  });

  it('opens a journal written before broadcasts carried their event type, keeping its entries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dino-journal-'));
    const old = new Database(join(dir, 'queue.sqlite'));
    old.exec(`CREATE TABLE broadcasts (id INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT NOT NULL, user_ids BLOB NOT NULL,
      order_key TEXT)`);
    old.prepare('INSERT INTO broadcasts (payload, user_ids, order_key) VALUES (?, ?, ?)').run('old', pack([7]), 'g');
    old.close();
    const journal = journalIn(dir);
    expect(journal.pending()).toEqual([{ id: 1, broadcast: { payload: 'old', userIds: [7], orderKey: 'g' } }]);
    await journal.append({ payload: 'new', userIds: [8], eventType: 'message', storedMessage: true });
    expect(journal.pending()[1]!.broadcast).toEqual({ payload: 'new', userIds: [8], eventType: 'message', storedMessage: true });
    await journal.close();
  });

  it('removes the rows of deliveries made in any order, by runs of ids, and only those', async () => {
    expect(idRuns([7, 3, 4, 9, 5, 3, 10])).toEqual([[3, 5], [7, 7], [9, 10]]);
    const journal = journalIn();
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => journal.append({ payload: `b${i}`, userIds: [i] })));
    for (const i of [5, 0, 1, 3, 2, 9, 11, 10]) journal.delivered(ids[i]!);
    await journal.append({ payload: 'after', userIds: [1] }); // a commit after the deliveries: their removal went with it
    expect(journal.pending().map((p) => p.broadcast.payload)).toEqual(['b4', 'b6', 'b7', 'b8', 'after']);
    await journal.close();
  });

  it('removes delivered rows also when their commit failed for another write and each was committed alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dino-journal-'));
    const storage = SqliteStorage.open(dir);
    const shared = storage.sharedFile();
    const journal = QueueJournal.sharing(shared, dir);
    try {
      const ids = await Promise.all(['a', 'b', 'c'].map((payload) => journal.append({ payload, userIds: [1] })));
      journal.delivered(ids[0]!);
      journal.delivered(ids[1]!);
      // In the same commit: a write that fails, so the batch is rolled back and each of its writes run again alone.
      await expect(shared.commits.write(() => {
        throw new Error('refused');
      })).rejects.toThrow('refused');
      expect(journal.pending().map((p) => p.broadcast.payload)).toEqual(['c']);
    } finally {
      await storage.close();
    }
  });

  it('keeps a dead letter in the journal, out of the way of the rest', async () => {
    const journal = journalIn();
    let deadLettered = 0;
    const queue = new InProcessQueue({ ...defaults, maxAttempts: 2 }, { journal, retryDelayMs: 5, metrics: { deadLettered: () => void deadLettered++ } });
    let ok = 0;
    queue.startConsuming(async (b) => {
      if (b.payload === 'poison') throw new Error('always fails');
      ok++;
    });
    await queue.enqueue({ payload: 'poison', userIds: [1] });
    await queue.enqueue({ payload: 'fine', userIds: [1] });
    await until('dead letter', () => queue.deadLetters.length === 1 && ok === 1);
    expect(journal.pending()).toEqual([]);
    expect(deadLettered).toBe(1);
    await queue.close();
  });
});

describe('in-process queue sharing the SQLite storage\'s commits', () => {
  it('fails a send whose journal row is refused at once, drops its storage write, and leaves no rejection unhandled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dino-journal-'));
    const storage = SqliteStorage.open(dir);
    const journal = QueueJournal.sharing(storage.sharedFile(), dir);
    journal.append = () => {
      throw new Error('refused at once');
    };
    const queue = new InProcessQueue(defaults, { journal });
    const groupId = randomUUID();
    const message = { groupId, messageId: randomUUID(), senderId: 1, payload: 'dropped', messageType: 'text', createdAt: 1_000_000 };
    await expect(queue.enqueueAfter(() => storage.saveMessage(message), { payload: 'x', userIds: [1] })).rejects.toThrow('refused at once');
    await sleep(50); // an unhandled rejection (the dropped write's) would be reported by now, and fail the run
    expect(await storage.listMessages(groupId, { floor: 0, limit: 10 })).toEqual([]);
    await queue.close();
    await storage.close();
  });
});

describe('in-process queue back-pressure', () => {
  it('refuses new broadcasts with 621 while too many recipients wait, and takes them again once delivered', async () => {
    const queue = new InProcessQueue({ ...defaults, maxRecipients: 5 });
    await queue.enqueue({ payload: 'a', userIds: [1, 2, 3] });
    await expect(queue.enqueue({ payload: 'b', userIds: [4, 5, 6] })).rejects.toMatchObject({ code: 621 });
    let delivered = 0;
    queue.startConsuming(async () => void delivered++);
    await until('the first delivered', () => delivered === 1);
    await queue.enqueue({ payload: 'b', userIds: [4, 5, 6] });
    await until('the second delivered', () => delivered === 2);
    await queue.close();
  });
});
