import type { BroadcastQueue } from '../core/ports/queue.js';
import { logger } from '../log.js';
import { QueueJournal } from './sqlite-journal.js';

/**
 * Broadcasts an in-process queue accepted and did not deliver, left in `dataDir` by a run without Redis (a stop under
 * backlog leaves them on disk for the next start), handed to the queue that replaced it, oldest first: each is
 * removed from its journal once the new queue has it, so a crash in between hands it on again (delivered twice, at
 * least once) and never drops it. Dead letters stay where they are, counted in the log.
 */
export async function handOverJournals(dataDir: string, queue: BroadcastQueue): Promise<number> {
  let handed = 0;
  for (const journal of QueueJournal.leftIn(dataDir)) {
    try {
      for (const { id, broadcast } of journal.pending()) {
        await queue.enqueue(broadcast);
        await journal.withdraw(id);
        handed++;
      }
      const dead = journal.deadLetterCount();
      if (dead > 0) logger.warn({ deadLetters: dead, file: journal.file }, 'the in-process queue\'s dead letters stay in its journal');
    } finally {
      await journal.close();
    }
  }
  if (handed > 0) logger.info({ broadcasts: handed, queue: queue.kind }, 'broadcasts left by a run without this queue handed to it');
  return handed;
}
