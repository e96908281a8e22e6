import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Broadcast } from '../../src/core/ports/queue.js';
import { InProcessQueue } from '../../src/queue/in-process.js';
import { openQueue } from '../../src/queue/open.js';
import { QueueJournal } from '../../src/queue/sqlite-journal.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { REDIS_URL } from '../support/redis-config.js';
import { sleep, until } from '../support/wait.js';

const queueSettings = loadConfig({}).queue;

/**
 * A data dir as `dino start` on SQLite storage leaves it when stopped under backlog: broadcasts accepted and not
 * delivered in the storage file's journal tables, one dead letter beside them; and, `queue.sqlite`, a journal of
 * its own from a run on other storage, holding one more (written after: a start on SQLite would have moved it in).
 */
async function dataDirWithBacklog(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'dino-handover-'));
  const storage = SqliteStorage.open(dir);
  const shared = QueueJournal.sharing(storage.sharedFile(), dir);
  const givenUp = { payload: 'given up', userIds: [9] };
  shared.deadLettered(await shared.append(givenUp), givenUp, 'gave up');
  await shared.append({ payload: 'first', userIds: [1, 2], orderKey: 'g', eventType: 'message', storedMessage: true });
  await shared.append({ payload: 'second', userIds: [2 ** 53 - 1] });
  await shared.close();
  await storage.close();
  const own = QueueJournal.open(join(dir, 'queue.sqlite'));
  await own.append({ payload: 'from queue.sqlite', userIds: [5] });
  await own.close();
  return dir;
}

/** What each journal file left in `dir` holds: its name, pending payloads and dead-letter count. */
async function journalsIn(dir: string): Promise<Array<[string, string[], number]>> {
  return Promise.all(QueueJournal.filesIn(dir).map(async (file) => {
    const journal = QueueJournal.open(file);
    const held: [string, string[], number] = [basename(file), journal.pending().map((p) => p.broadcast.payload), journal.deadLetterCount()];
    await journal.close();
    return held;
  }));
}

describe('broadcasts a run left in its journal, after the configuration changed', () => {
  it('are moved into the journal of the in-process queue on other storage, and delivered', async () => {
    const dir = await dataDirWithBacklog();
    const queue = new InProcessQueue(queueSettings, { journal: QueueJournal.inDataDir(dir) });
    const delivered: Broadcast[] = [];
    queue.startConsuming(async (b) => void delivered.push(b));
    await until('the moved broadcasts', () => delivered.length === 3);
    await sleep(50);
    expect(delivered).toEqual([{ payload: 'from queue.sqlite', userIds: [5] },
      { payload: 'first', userIds: [1, 2], orderKey: 'g', eventType: 'message', storedMessage: true },
      { payload: 'second', userIds: [2 ** 53 - 1] }]);
    await queue.close();
    // The storage file stays (its data is the storage's); its journal tables are empty, the dead letter moved along.
    expect(existsSync(join(dir, 'dino.sqlite'))).toBe(true);
    expect(await journalsIn(dir)).toEqual([['queue.sqlite', [], 1], ['dino.sqlite', [], 0]]);
  });

  it('leaves a storage file it cannot read as it is, and starts all the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dino-handover-'));
    writeFileSync(join(dir, 'dino.sqlite'), 'not a SQLite file, whatever put it there');
    const journal = QueueJournal.inDataDir(dir);
    await journal.append({ payload: 'new', userIds: [1] });
    expect(journal.pending().map((p) => p.broadcast.payload)).toEqual(['new']);
    await journal.close();
    expect(readFileSync(join(dir, 'dino.sqlite'), 'utf8')).toBe('not a SQLite file, whatever put it there');
  });

  it.skipIf(!REDIS_URL)('are handed to the Redis queue that replaced the in-process one, oldest first, each once', async () => {
    const dir = await dataDirWithBacklog();
    const stream = `dino:test:${randomUUID()}`;
    const queue = await openQueue(loadConfig({ DINO_REDIS_URL: REDIS_URL!, DINO_DATA_DIR: dir, DINO_STREAM: stream }));
    const admin = new Redis(REDIS_URL!);
    try {
      const delivered: Broadcast[] = [];
      // One at a time: broadcasts of different groups may be delivered in any order, the stream's is the journal's.
      queue.startConsuming(async (b) => void delivered.push(b), { concurrency: 1 });
      await until('the handed-over broadcasts', () => delivered.length === 3);
      await sleep(100);
      expect(delivered.map((b) => b.payload)).toEqual(['from queue.sqlite', 'first', 'second']);
      expect(delivered[1]).toMatchObject({ userIds: [1, 2], orderKey: 'g', eventType: 'message', storedMessage: true });
      expect(delivered[2]!.userIds).toEqual([2 ** 53 - 1]);
      // Nothing is left to hand over again at the next start; the dead letter stays in the journal.
      expect(await journalsIn(dir)).toEqual([['queue.sqlite', [], 0], ['dino.sqlite', [], 1]]);
    } finally {
      await queue.close();
      const keys = await admin.keys(`${stream}*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
    }
  });

  it('keeps what the new queue did not take: handed on at the next start, and what it took is not', async () => {
    const journal = QueueJournal.open(join(mkdtempSync(join(tmpdir(), 'dino-handover-')), 'queue.sqlite'));
    for (const payload of ['a', 'b', 'c', 'd', 'e']) await journal.append({ payload, userIds: [1] });
    const taken: string[] = [];
    const failing = async (b: Broadcast) => {
      if (b.payload === 'd') throw new Error('queue unavailable');
      taken.push(b.payload);
    };
    await expect(journal.handOver(failing, 2)).rejects.toThrow('queue unavailable');
    expect(taken).toEqual(['a', 'b', 'c']);
    expect(journal.pending().map((p) => p.broadcast.payload)).toEqual(['d', 'e']);
    expect(await journal.handOver(async (b) => void taken.push(b.payload), 2)).toBe(2);
    expect(taken).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(journal.pending()).toEqual([]);
    await journal.close();
  });
});
