import type Database from 'better-sqlite3';

interface Queued {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  /** Writes handed in together (see `together`) share one: they are committed, or fail, as one. */
  unit: object;
}

const nobody = () => undefined;

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

  constructor(private readonly db: Database.Database) {
    this.runAll = db.transaction((writes: Queued[]) => writes.map((w) => w.run()));
  }

  /** Runs `run` in the next batch's transaction; resolves with its result once that is committed. */
  write<R>(run: () => R): Promise<R> {
    return new Promise<R>((resolve, reject) => this.enqueue({ run, resolve: resolve as (value: unknown) => void, reject, unit: this.unit ?? {} }));
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
    writes.forEach((w, i) => w.resolve(results[i]));
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
