import type { Config } from '../config.js';
import { InProcessQueue } from './in-process.js';
import type { BroadcastQueue } from '../core/ports/queue.js';
import { QueueJournal } from './sqlite-journal.js';
import { handOverJournals } from './journal-handover.js';
import { logger } from '../log.js';
import type { QueueRecorder } from '../metrics/recorders.js';
import type { Storage } from '../core/ports/storage.js';
import { SqliteStorage } from '../storage/sqlite.js';

/**
 * The configured queue: Redis Streams when a Redis URL is set, else the in-process queue journaled in the data dir:
 * in SQLite storage's own file when that is the storage, so a message and its broadcast are one transaction. Either
 * takes on what a journal of the data dir still holds from a run configured otherwise.
 */
export async function openQueue(config: Config, metrics?: QueueRecorder, storage?: Storage): Promise<BroadcastQueue> {
  if (!config.redis) {
    const journal = storage instanceof SqliteStorage
      ? QueueJournal.sharing(storage.sharedFile(), config.dataDir) : QueueJournal.inDataDir(config.dataDir, { checkpointThread: true });
    return new InProcessQueue(config.queue, { journal, metrics });
  }
  const { RedisStreamQueue } = await import('./redis.js');
  const queue = new RedisStreamQueue(config.redis, {}, metrics);
  try {
    await queue.connect(); // fail at start-up, with the reason, rather than at the first request
  } catch (err) {
    await queue.close().catch(() => undefined);
    throw new Error(`cannot reach Redis at ${config.redis.url}: ${(err as Error).message}`);
  }
  // What a run without Redis left undelivered in this data dir; should Redis fail meanwhile, the rest waits for the next start.
  await handOverJournals(config.dataDir, queue).catch((err: unknown) =>
    logger.warn({ err }, 'could not hand on the broadcasts left in the in-process queue\'s journal; trying again at the next start'));
  return queue;
}
