import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
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
 * delivered in the storage file's journal tables, one dead letter beside them; and, from a run on other storage
 * before, one broadcast in a journal file of its own.
 */
async function dataDirWithBacklog(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'dino-handover-'));
  const own = QueueJournal.inDataDir(dir);
  await own.append({ payload: 'from queue.sqlite', userIds: [5] });
  await own.close();
  const storage = SqliteStorage.open(dir);
  const shared = QueueJournal.sharing(storage.sharedFile(), dir); // moves queue.sqlite's entry in, as a start does
  shared.deadLettered(await shared.append({ payload: 'given up', userIds: [9] }), 'gave up');
  await shared.append({ payload: 'first', userIds: [1, 2], orderKey: 'g', eventType: 'message', storedMessage: true });
  await shared.append({ payload: 'second', userIds: [2 ** 53 - 1] });
  await shared.close();
  await storage.close();
  return dir;
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
    const left = QueueJournal.leftIn(dir);
    expect(left.map((j) => [basename(j.file), j.pending(), j.deadLetterCount()])).toEqual([['queue.sqlite', [], 1], ['dino.sqlite', [], 0]]);
    await Promise.all(left.map((j) => j.close()));
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
      const left = QueueJournal.leftIn(dir);
      expect(left.map((j) => j.pending())).toEqual([[]]);
      expect(left.map((j) => j.deadLetterCount())).toEqual([1]);
      await Promise.all(left.map((j) => j.close()));
    } finally {
      await queue.close();
      const keys = await admin.keys(`${stream}*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
    }
  });
});
