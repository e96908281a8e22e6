/**
 * The thread of WalCheckpoints (sqlite-checkpoints.ts): its own connection to the file, a PASSIVE checkpoint every
 * `everyMs`, each one's outcome posted back; a message from the parent stops it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteFile } from '../sqlite-file.js';
import type { CheckpointReport } from './sqlite-checkpoints.js';

const { file, everyMs } = workerData as { file: string; everyMs: number };
const db = openSqliteFile(file);

const timer = setInterval(() => {
  let report: CheckpointReport;
  try {
    // PASSIVE never waits for the writer: it copies what is committed and leaves the rest to the next one.
    const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
    report = { log, checkpointed };
  } catch (err) {
    report = { error: (err as Error).message };
  }
  parentPort!.postMessage(report);
}, everyMs);

parentPort!.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
