import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { attachmentsContract } from './attachments.contract.js';
import { memberStateContract } from './member-state.contract.js';
import { messageEditsContract } from './message-edits.contract.js';
import { retentionContract } from './retention.contract.js';
import { storageContract } from './storage.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'dino-storage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

storageContract('sqlite', async () => SqliteStorage.open(dir));
memberStateContract('sqlite', async () => SqliteStorage.open(dir));
messageEditsContract('sqlite', async () => SqliteStorage.open(dir));
retentionContract('sqlite', async () => SqliteStorage.open(dir));
attachmentsContract('sqlite', async () => SqliteStorage.open(dir));
