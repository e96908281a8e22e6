import type Database from 'better-sqlite3';

/** Rows per statement: 64 rows of six columns stay far below SQLite's limit of bound values (32 766). */
const ROWS_PER_STATEMENT = 64;

/** A row a RowBatch will insert; `id` is its row id once the rows of its commit were written (with `ids`). */
export class RowTicket {
  id = 0;
  /** Only a RowBatch makes one: a write's result that merely has an `id` is not taken for a ticket. */
  declare private readonly brand: 'RowTicket';
}

/**
 * The rows that the writes of one commit insert into one table, written at the end of the commit's transaction by
 * one multi-row INSERT (per 64 rows) instead of one statement each (GroupCommit flushes its batches before it
 * commits). better-sqlite3's run() makes an object of its result from C++ at 3 000 instructions; one INSERT per row of
 * a send's message and journal entry made that and the statement's own start twice per send
 * (bench/send-instructions.ts). Row ids are consecutive within one INSERT, so with `ids` each row's id is told on its
 * ticket, counted back from the last one.
 */
export class RowBatch {
  private values: unknown[] = [];
  private tickets: RowTicket[] = [];
  private readonly statements = new Map<number, Database.Statement>();

  /** `insert`: the statement up to VALUES (`INSERT INTO t (a, b)`); `width`: its columns. */
  constructor(private readonly db: Database.Database, private readonly insert: string, private readonly width: number,
    private readonly ids = false) {}

  /** Adds a row (its values in column order) to the current commit's; call it from a GroupCommit write. */
  add(...row: unknown[]): RowTicket {
    if (row.length !== this.width) throw new Error(`a row of ${this.width} values expected, got ${row.length}`);
    for (let i = 0; i < row.length; i++) this.values.push(row[i]);
    const ticket = new RowTicket();
    this.tickets.push(ticket);
    return ticket;
  }

  /** Inserts the rows added since the last flush (inside the commit's transaction); they are gone if it throws. */
  flush(): void {
    const [values, tickets] = [this.values, this.tickets];
    this.discard();
    for (let first = 0; first < tickets.length; first += ROWS_PER_STATEMENT) {
      const rows = Math.min(ROWS_PER_STATEMENT, tickets.length - first);
      const chunk = rows === tickets.length ? values : values.slice(first * this.width, (first + rows) * this.width);
      const { changes, lastInsertRowid } = this.statement(rows).run(chunk);
      // The ids below count back from the last: every row must have been inserted (no OR IGNORE, no trigger's IGNORE).
      if (changes !== rows) throw new Error(`${changes} of ${rows} rows inserted by ${this.insert}`);
      if (!this.ids) continue;
      for (let i = 0; i < rows; i++) tickets[first + i]!.id = Number(lastInsertRowid) - rows + 1 + i;
    }
  }

  /** Forgets the rows added since the last flush: the transaction they were added in failed. */
  discard(): void {
    this.values = [];
    this.tickets = [];
  }

  private statement(rows: number): Database.Statement {
    let statement = this.statements.get(rows);
    if (!statement) {
      const tuple = `(${new Array<string>(this.width).fill('?').join(', ')})`;
      statement = this.db.prepare(`${this.insert} VALUES ${new Array<string>(rows).fill(tuple).join(', ')}`);
      this.statements.set(rows, statement);
    }
    return statement;
  }
}
