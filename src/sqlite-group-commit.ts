import type Database from 'better-sqlite3';

interface Queued {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

const nobody = () => undefined;

/**
 * Writes of concurrent requests to one SQLite file, committed together: a write waits for the end of the current
 * event-loop turn, then everything queued by then goes in one transaction. A commit costs about the same for one row
 * as for fifty (the WAL append and its bookkeeping), so under load many commits become one; alone, a write waits for
 * nothing but the turn. Should a batch fail, each of its writes is run again alone, so only the one at fault fails.
 */
export class GroupCommit {
  private queued: Queued[] = [];

  constructor(private readonly db: Database.Database) {}

  /** Runs `run` in the next batch's transaction; resolves with its result once that is committed. */
  write<R>(run: () => R): Promise<R> {
    return new Promise<R>((resolve, reject) => this.enqueue({ run, resolve: resolve as (value: unknown) => void, reject }));
  }

  /** Runs `run` with the next batch, waited for by nobody: for writes a crash may lose (a delivered entry's removal). */
  later(run: () => unknown): void {
    this.enqueue({ run, resolve: nobody, reject: nobody });
  }

  /** Commits what is queued now (before the file is closed). */
  flush(): void {
    const batch = this.queued;
    this.queued = [];
    if (batch.length === 0) return;
    let results: unknown[];
    try {
      results = this.db.transaction(() => batch.map((w) => w.run()))();
    } catch {
      for (const w of batch) {
        try {
          w.resolve(this.db.transaction(w.run)());
        } catch (err) {
          w.reject(err);
        }
      }
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i]));
  }

  private enqueue(write: Queued): void {
    if (this.queued.length === 0) setImmediate(() => this.db.open && this.flush());
    this.queued.push(write);
  }
}
