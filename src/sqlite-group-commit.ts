import type Database from 'better-sqlite3';
import { RowBatch, RowTicket } from './sqlite-row-batch.js';

interface Queued {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  /** Writes handed in together (see `together`) share one: they are committed, or fail, as one. */
  unit: object;
}

const nobody = () => undefined;

/** What a write resolves with: its result, or the row id of the RowBatch row it added. */
type Written<R> = R extends RowTicket ? number : R;

/**
 * Writes of concurrent requests to one SQLite file, committed together: a write waits for the end of the current
 * event-loop turn, then everything queued by then goes in one transaction. A commit costs about the same for one row
 * as for fifty (the WAL append and its bookkeeping), so under load many commits become one; alone, a write waits for
 * nothing but the turn. Should a batch fail, each of its units (a write, or the writes handed in `together`) is run
 * again alone, so only the one at fault fails.
 */
export class GroupCommit {
  private queued: Queued[] = [];
  private unit: object | undefined;
  /**
   * Runs writes in one transaction, their results in order. Made once: better-sqlite3's transaction() defines four
   * variants of the function it returns, 15 000 instructions a commit (bench/send-instructions.ts).
   */
  private readonly runAll: (writes: Queued[]) => unknown[];
  /** Tables whose rows the writes add to a multi-row INSERT, run once they all ran (see rows()). */
  private readonly batches: RowBatch[] = [];

  constructor(private readonly db: Database.Database) {
    this.runAll = db.transaction((writes: Queued[]) => {
      for (const batch of this.batches) batch.discard(); // what a failed transaction had added
      const results = writes.map((w) => w.run());
      for (const batch of this.batches) batch.flush();
      return results;
    });
  }

  /**
   * Rows of one table that writes add (`batch.add(…)` inside `write`), inserted by one statement at the end of their
   * commit's transaction, with the rest of its writes. A write that returns the ticket `add` gave resolves with the
   * row's id (`ids`). A table whose rows go through a batch must not be read back or changed by writes of the same
   * commit: the rows are not there before its end.
   */
  rows(insert: string, width: number, { ids = false } = {}): RowBatch {
    const batch = new RowBatch(this.db, insert, width, ids);
    this.batches.push(batch);
    return batch;
  }

  /**
   * Runs `run` in the next batch's transaction; resolves with its result once that is committed (with the row's id
   * for the ticket of a row added to a RowBatch).
   */
  write<R>(run: () => R): Promise<Written<R>> {
    return new Promise<Written<R>>((resolve, reject) => this.enqueue({ run, resolve: resolve as (value: unknown) => void, reject, unit: this.unit ?? {} }));
  }

  /** Runs `run` with the next batch, waited for by nobody: for writes a crash may lose (a delivered entry's removal). */
  later(run: () => unknown): void {
    this.enqueue({ run, resolve: nobody, reject: nobody, unit: {} });
  }

  /**
   * The writes `handIn` hands in (synchronously) are one unit: committed in one transaction, or none of them. Should
   * `handIn` throw, those it handed in are dropped (and rejected) rather than committed without the rest.
   */
  together<T>(handIn: () => T): T {
    const outer = this.unit;
    const unit = (this.unit ??= {});
    try {
      return handIn();
    } catch (err) {
      this.queued = this.queued.filter((w) => w.unit !== unit || void w.reject(err));
      throw err;
    } finally {
      this.unit = outer;
    }
  }

  /** Commits what is queued now (before the file is closed). */
  flush(): void {
    const batch = this.queued;
    this.queued = [];
    if (batch.length === 0) return;
    try {
      this.commit(batch);
    } catch {
      for (const unit of unitsOf(batch)) {
        try {
          this.commit(unit);
        } catch (err) {
          for (const w of unit) w.reject(err);
        }
      }
    }
  }

  /** Runs `writes` in one transaction and resolves each with its result once committed; throws if it fails. */
  private commit(writes: Queued[]): void {
    const results = this.runAll(writes);
    writes.forEach((w, i) => {
      const result = results[i];
      w.resolve(result instanceof RowTicket ? result.id : result);
    });
  }

  private enqueue(write: Queued): void {
    // A write after the file was closed fails at once, not never: whoever waits for it (the projector at a shutdown
    // out of order, say) hears of it.
    if (!this.db.open) return write.reject(new Error('the SQLite file is closed'));
    if (this.queued.length === 0) setImmediate(() => this.flushOrFail());
    this.queued.push(write);
  }

  /** Commits what is queued; should the file have been closed meanwhile (without flush()), fails it instead. */
  private flushOrFail(): void {
    if (this.db.open) return this.flush();
    const batch = this.queued;
    this.queued = [];
    for (const w of batch) w.reject(new Error('the SQLite file is closed'));
  }
}

/** The batch's writes by unit, each unit in the order its writes came. */
function unitsOf(batch: Queued[]): Queued[][] {
  const units = new Map<object, Queued[]>();
  for (const w of batch) {
    const unit = units.get(w.unit);
    if (unit) unit.push(w);
    else units.set(w.unit, [w]);
  }
  return [...units.values()];
}
