import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SqliteSessions } from '../../src/broker/sessions/sqlite-persistence.js';
import { abstractSuiteAgainst } from './broker-sessions.abstract.js';
import { brokerSessionsContract } from './broker-sessions.contract.js';

abstractSuiteAgainst('sqlite');

const dir = mkdtempSync(join(tmpdir(), 'dino-broker-sessions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

brokerSessionsContract('sqlite', () => {
  const file = join(dir, `${++files}.sqlite`);
  return ({ maxQueued, expiryMs, now }) => new SqliteSessions({ file, maxQueued, sessionExpiryMs: expiryMs, now });
});
