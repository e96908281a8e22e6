import type Database from 'better-sqlite3';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Thrown by a unit of work that found nothing to act on; it fails that unit alone, never the whole commit. */
export class NothingToDo extends Error {}

/**
 * Waits until `isQuiet` holds at the start of `turns` event-loop turns in a row (5 s at most). At a stop, aedes has
 * closed its connections but may still be carrying a PUBLISH it acknowledged towards its persistence (the PUBACK is
 * written before the packet is stored); a few quiet turns let that write land before the store closes.
 */
export async function waitUntilQuiet(isQuiet: () => boolean, turns = 3, maxMs = 5000): Promise<void> {
  const deadline = Date.now() + maxMs;
  for (let quiet = 0; quiet < turns && Date.now() < deadline;) {
    await new Promise((resolve) => setImmediate(resolve));
    quiet = isQuiet() ? quiet + 1 : 0;
  }
}

/** Units of work one transaction takes at most, so that a burst does not hold the event loop for long. */
const MAX_PER_COMMIT = 5000;

/**
 * Runs units of work against a SQLite file in call order, grouping all that arrive in one turn of the event loop into
 * one transaction (so a broadcast to 100k offline sessions is a few commits, not 100k). Each caller's promise settles
 * only once the transaction holding its work has committed, with that work's result.
 */
export class WriteBatch {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;

  /** Runs units in one transaction (made once: see GroupCommit's runAll), each outcome in order. */
  private readonly runAll: (units: Pending[]) => Array<{ ok: boolean; value: unknown }>;

  constructor(db: Database.Database) {
    this.runAll = db.transaction((units: Pending[]) => units.map((unit) => {
      try {
        return { ok: true, value: unit.work() };
      } catch (err) {
        if (!(err instanceof NothingToDo)) throw err;
        return { ok: false, value: err };
      }
    }));
  }

  /** `work` runs inside the next commit; it must throw (if at all) before it has written anything. */
  run<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('broker session store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Commits everything queued, now. */
  flush(): void {
    while (this.queue.length > 0) this.commitSome();
  }

  /** Lets the work callers are still preparing land, commits everything and refuses any further work. */
  async close(): Promise<void> {
    await waitUntilQuiet(() => this.queue.length === 0 && !this.scheduled);
    this.flush();
    this.closed = true;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.commitSome();
      if (this.queue.length > 0) this.schedule();
    });
  }

  private commitSome(): void {
    const units = this.queue.length <= MAX_PER_COMMIT ? this.queue : this.queue.slice(0, MAX_PER_COMMIT);
    this.queue = units === this.queue ? [] : this.queue.slice(MAX_PER_COMMIT);
    let outcomes: Array<{ ok: boolean; value: unknown }>;
    try {
      outcomes = this.runAll(units);
    } catch (err) {
      for (const unit of units) unit.reject(err);
      return;
    }
    units.forEach((unit, i) => (outcomes[i]!.ok ? unit.resolve(outcomes[i]!.value) : unit.reject(outcomes[i]!.value)));
  }
}
