import type { BroadcastQueue } from '../core/ports/queue.js';
import { logger } from '../log.js';
import { QueueJournal } from './sqlite-journal.js';

/**
 * Broadcasts an in-process queue accepted and did not deliver, left in `dataDir` by a run without Redis (a stop under
 * backlog leaves them on disk for the next start), handed to the queue that replaced it: each journal's oldest first
 * (see QueueJournal.handOver: removed once the new queue has them, under the file's write lock, so processes starting
 * together on one data dir hand each on once). Dead letters stay where they are, counted in the log.
 */
export async function handOverJournals(dataDir: string, queue: BroadcastQueue): Promise<number> {
  let handed = 0;
  for (const file of QueueJournal.filesIn(dataDir)) {
    const journal = QueueJournal.open(file);
    try {
      handed += await journal.handOver((broadcast) => queue.enqueue(broadcast));
      const dead = journal.deadLetterCount();
      if (dead > 0) logger.warn({ deadLetters: dead, file }, 'the in-process queue\'s dead letters stay in its journal');
    } finally {
      await journal.close();
    }
  }
  if (handed > 0) logger.info({ broadcasts: handed, queue: queue.kind }, 'broadcasts left by a run without this queue handed to it');
  return handed;
}
