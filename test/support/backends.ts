import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceAvailable } from './services.js';

const BIN = fileURLToPath(new URL('../../bin/dino.js', import.meta.url));

/** A storage backend for end-to-end runs: `env()` makes a fresh, migrated place to keep data and its settings. */
export interface StorageBackend {
  name: string;
  env(): Record<string, string>;
}

const sqlite: StorageBackend = {
  name: 'sqlite',
  env: () => ({ DINO_DATA_DIR: mkdtempSync(join(tmpdir(), 'dino-e2e-')) }),
};

const cassandra: StorageBackend = {
  name: 'cassandra',
  env: () => {
    const env = {
      DINO_DATA_DIR: mkdtempSync(join(tmpdir(), 'dino-e2e-')),
      DINO_CASSANDRA_CONTACT_POINTS: '127.0.0.1:9042',
      DINO_CASSANDRA_KEYSPACE: `dino_e2e_${randomBytes(4).toString('hex')}`,
      DINO_CASSANDRA_CONSISTENCY: 'ONE',
    };
    execFileSync(process.execPath, [BIN, 'migrate'], { env: { ...process.env, ...env }, stdio: 'pipe' });
    return env;
  },
};

/** SQLite always; Cassandra when a node answers on 127.0.0.1:9042 (required under CI=true). */
export async function storageBackends(): Promise<StorageBackend[]> {
  return (await serviceAvailable('Cassandra', '127.0.0.1', 9042)) ? [sqlite, cassandra] : [sqlite];
}
