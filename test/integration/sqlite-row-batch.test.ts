/**
 * GroupCommit's row batches on a real SQLite file: a commit's rows of one table go in multi-row INSERTs, and each
 * write still resolves with its own row's id, fails alone when its row is refused, and leaves nothing behind when
 * its commit failed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteFile } from '../../src/sqlite-file.js';
import { GroupCommit } from '../../src/sqlite-group-commit.js';

function openTable() {
  const db = openSqliteFile(join(mkdtempSync(join(tmpdir(), 'dino-row-batch-')), 'rows.sqlite'));
  db.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT NOT NULL, n INTEGER NOT NULL);
    CREATE TRIGGER refuse BEFORE INSERT ON items WHEN NEW.label = 'refused' BEGIN SELECT RAISE(ABORT, 'row refused'); END;`);
  const commits = new GroupCommit(db);
  const rows = commits.rows('INSERT INTO items (label, n)', 2, { ids: true });
  const add = (label: string, n: number) => commits.write(() => rows.add(label, n));
  const stored = () => db.prepare('SELECT id, label, n FROM items ORDER BY id').raw().all() as Array<[number, string, number]>;
  return { db, commits, add, stored };
}

describe('row batches of a group commit', () => {
  it('gives each write its own row id, across the 64-row statements of one commit', async () => {
    const { db, add, stored } = openTable();
    const ids = await Promise.all(Array.from({ length: 150 }, (_, i) => add(`row ${i}`, i)));
    expect(ids).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(stored()).toEqual(ids.map((id, i) => [id, `row ${i}`, i]));
    // A later commit goes on from there.
    expect(await Promise.all([add('next', 1), add('after', 2)])).toEqual([151, 152]);
    db.close();
  });

  it('fails the write whose row is refused, commits the others of its turn with their ids, and keeps no half', async () => {
    const { db, commits, add, stored } = openTable();
    const outcomes = await Promise.allSettled([add('a', 1), add('refused', 2), add('b', 3)]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'row refused' });
    const byLabel = new Map(stored().map(([id, label]) => [label, id]));
    expect([...byLabel.keys()]).toEqual(['a', 'b']);
    expect([(outcomes[0] as PromiseFulfilledResult<number>).value, (outcomes[2] as PromiseFulfilledResult<number>).value])
      .toEqual([byLabel.get('a'), byLabel.get('b')]);
    // Rows of a unit are committed together or not at all, the row batch's with the unit's other writes.
    const both = commits.together(() => [add('kept with', 4), commits.write(() => db.prepare("INSERT INTO items (label, n) VALUES ('refused', 5)").run())]);
    await expect(Promise.all(both)).rejects.toThrow('row refused');
    expect(stored().map(([, label]) => label)).toEqual(['a', 'b']);
    // Nothing of the failed unit is left to go in with the next commit.
    await add('later', 6);
    expect(stored().map(([, label]) => label)).toEqual(['a', 'b', 'later']);
    db.close();
  });
});
