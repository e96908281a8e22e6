/**
 * Opening one of Dino's SQLite files while another process writes to it (two `dino server` started together on one
 * data dir): switching to WAL is answered SQLITE_BUSY at once by SQLite, with no wait, so it must be tried again.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteFile } from '../../src/sqlite-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dino-sqlite-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Another process holding a write transaction on `file` (rollback journal, as a new file has) for `ms`. */
async function writerHolding(file: string, ms: number) {
  const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const child = spawn(process.execPath, ['-e', `
    const db = new (require(${JSON.stringify(betterSqlite)}))(${JSON.stringify(file)});
    db.exec('CREATE TABLE IF NOT EXISTS t (x)');
    db.exec('BEGIN IMMEDIATE');
    db.exec('INSERT INTO t VALUES (1)');
    console.log('holding');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${ms});
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  expect(line).toBe('holding');
  return { exited: once(child, 'exit') };
}

describe('openSqliteFile', () => {
  it('waits for another process writing to the file, then opens it in WAL mode', async () => {
    const file = join(dir, 'busy.db');
    const writer = await writerHolding(file, 300);
    const db = openSqliteFile(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 });
    db.close();
    await writer.exited;
  });
});
