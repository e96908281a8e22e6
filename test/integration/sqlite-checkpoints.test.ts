/**
 * WAL checkpoints of the storage file in a thread of their own (src/storage/sqlite-checkpoints.ts), against real
 * SQLite files: the writing connection leaves them to the thread, the thread copies the WAL into the file while the
 * writes go on, a thread that fails hands them back, and closing stops it before the file is closed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newTimeUuid } from '../../src/core/ids.js';
import { QueueJournal } from '../../src/queue/sqlite-journal.js';
import { openSqliteFile } from '../../src/sqlite-file.js';
import { WalCheckpoints, type CheckpointReport } from '../../src/storage/sqlite-checkpoints.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { until } from '../support/wait.js';

const groupId = '7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a';
const autocheckpoint = (storage: SqliteStorage) => storage.sharedFile().db.pragma('wal_autocheckpoint', { simple: true });

describe('WAL checkpoints in a thread of their own', () => {
  it('leave the writing connection\'s threshold raised, copy the WAL into the file while writes go on, and stop on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dino-checkpoints-'));
    const storage = SqliteStorage.open(dir, { checkpointThread: true });
    expect(autocheckpoint(storage)).toBe(10000);
    const reports: CheckpointReport[] = [];
    storage.checkpoints!.onReport((r) => reports.push(r));
    const copied = () => reports.some((r) => 'checkpointed' in r && r.checkpointed > 0);
    let written = 0;
    const payload = 'x'.repeat(500);
    // Writes until the thread reports frames copied into the file: it checkpoints beside a busy writer.
    const deadline = Date.now() + 30_000;
    while (!copied() && Date.now() < deadline) {
      await Promise.all(Array.from({ length: 50 }, () => {
        const { id, micros } = newTimeUuid();
        written++;
        return storage.saveMessage({ groupId, messageId: id, senderId: 1, payload, messageType: 'text', createdAt: micros });
      }));
    }
    expect(copied()).toBe(true);
    expect(reports.filter((r) => 'error' in r)).toEqual([]);
    await storage.close();
    // The file's last connection removes the WAL as it closes: the thread's connection was closed before.
    expect(existsSync(join(dir, 'dino.sqlite-wal'))).toBe(false);
    const reopened = SqliteStorage.open(dir);
    expect(await reopened.countMessagesAfter(groupId, 0, 1_000_000)).toBe(written);
    await reopened.close();
  });

  it('run for the queue journal\'s own file too, and stop before it closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dino-checkpoints-'));
    const journal = QueueJournal.inDataDir(dir, { checkpointThread: true });
    await Promise.all(Array.from({ length: 100 }, (_, i) => journal.append({ payload: `b${i}`, userIds: [i] })));
    await journal.close();
    expect(existsSync(join(dir, 'queue.sqlite-wal'))).toBe(false);
    const reopened = QueueJournal.inDataDir(dir);
    expect(reopened.pending()).toHaveLength(100);
    await reopened.close();
  });

  it('keep a process that closes its storage alive until the thread has stopped and the file is closed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dino-checkpoints-'));
    // Nothing else holds the process's event loop while it closes, as at the end of `dino retention` or a shutdown.
    const script = `import { SqliteStorage } from ${JSON.stringify(new URL('../../src/storage/sqlite.ts', import.meta.url).href)};
      const storage = SqliteStorage.open(${JSON.stringify(dir)}, { checkpointThread: true });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await storage.close();
      console.log('closed');`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('closed');
    expect(child.status).toBe(0);
    expect(existsSync(join(dir, 'dino.sqlite-wal'))).toBe(false);
  });

  it('hand the checkpoints back to the writing connection when the thread fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dino-checkpoints-'));
    const db = openSqliteFile(join(dir, 'file.sqlite'));
    // A file the thread cannot open: it fails at once.
    const checkpoints = WalCheckpoints.start(db, join(dir, 'no-such-dir', 'file.sqlite'));
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(10000);
    await until('the writing connection checkpointing again', () => db.pragma('wal_autocheckpoint', { simple: true }) === 1000, 20_000, 20);
    await checkpoints.stop();
    db.close();
  });

  it('are SQLite\'s own without the option', async () => {
    const storage = SqliteStorage.open(mkdtempSync(join(tmpdir(), 'dino-checkpoints-')));
    expect(storage.checkpoints).toBeUndefined();
    expect(autocheckpoint(storage)).toBe(1000);
    await storage.close();
  });
});
