import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { logger } from '../log.js';
import { siblingThread } from '../thread-entry.js';

/** What one checkpoint did: WAL frames in all and frames copied into the file, or why it failed. */
export type CheckpointReport = { log: number; checkpointed: number } | { error: string };

/** How often the thread checkpoints: at ~10 000 sends/s the WAL gains about 1 000 pages a second. */
const EVERY_MS = 200;
/**
 * The writing connection's own threshold meanwhile: 10× SQLite's default, a WAL of up to 40 MB at 4 KiB pages. Under
 * continuous writes the writer still reaches it now and then: the WAL starts over only when a write begins with every
 * frame copied, and a checkpoint beside a busy writer always leaves the frames committed meanwhile.
 */
const FALLBACK_PAGES = 10000;
const SQLITE_DEFAULT_PAGES = 1000;

/**
 * WAL checkpoints off the thread that writes. A checkpoint copies the WAL's pages into the database file and syncs
 * both (three fsyncs, about 12 ms together on the machine measured); SQLite runs it inside the commit that takes the
 * WAL past 1 000 pages, on the committing thread, which for Dino's storage file is the main one: under send load
 * about once a second, holding every request for that long. Here a thread of its own, with a connection of its own,
 * checkpoints every EVERY_MS instead (PASSIVE, so it never blocks the writer, nor the writer it), and the writing
 * connection's threshold is raised to FALLBACK_PAGES; when it reaches it, the thread has copied nearly everything
 * already, so its checkpoint is short. Measured under `bench/send-cpu.ts` (strace of fsync): the main thread's
 * fsyncs 36 in 10 s (152.9 ms) before, 12 in 20 s (23.4 ms) with the thread.
 */
export class WalCheckpoints {
  private readonly listeners = new Set<(report: CheckpointReport) => void>();

  /** Set by stop(), or once the thread is gone: its exit is then no news. */
  private done = false;
  /** Whether the last checkpoint failed: a failing streak is logged once, at its start. */
  private failing = false;

  private constructor(private readonly thread: Worker, db: Database.Database) {
    // The thread must not keep a process alive that is otherwise done; stop() still waits for it.
    thread.unref();
    // A thread gone for any reason but stop() hands the checkpoints back to the writing connection.
    const fallBack = (err: unknown) => {
      if (this.done) return;
      this.done = true;
      logger.error({ err }, 'WAL checkpoint thread stopped; the writing connection checkpoints again');
      if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`);
    };
    thread.once('error', fallBack);
    thread.once('exit', (code) => fallBack(new Error(`exited with ${code}`)));
    thread.on('message', (report: CheckpointReport) => {
      if ('error' in report && !this.failing) logger.warn({ err: report.error }, 'WAL checkpoint failed; the next ones try again');
      this.failing = 'error' in report;
      for (const listener of this.listeners) listener(report);
    });
  }

  /** Starts checkpointing `file`, which `db` (the writing connection) has open. */
  static start(db: Database.Database, file: string): WalCheckpoints {
    db.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
    const thread = siblingThread(import.meta.url, 'sqlite-checkpoint-thread', { workerData: { file, everyMs: EVERY_MS } });
    return new WalCheckpoints(thread, db);
  }

  /** Called with each checkpoint's outcome (for tests and diagnostics). */
  onReport(listener: (report: CheckpointReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the thread and closes its connection; resolves once it has exited. */
  async stop(): Promise<void> {
    if (this.done) return;
    this.done = true;
    // Referenced again while it stops: an unreferenced thread's exit would not keep the process waiting for it.
    this.thread.ref();
    const exited = once(this.thread, 'exit').catch(() => undefined);
    this.thread.postMessage('stop');
    await exited;
  }
}
