import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cassandraContactPoint } from './services.js';

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

const cassandraAt = (contactPoint: string): StorageBackend => ({
  name: 'cassandra',
  env: () => {
    const env = {
      DINO_DATA_DIR: mkdtempSync(join(tmpdir(), 'dino-e2e-')),
      DINO_CASSANDRA_CONTACT_POINTS: contactPoint,
      DINO_CASSANDRA_KEYSPACE: `dino_e2e_${randomBytes(4).toString('hex')}`,
      DINO_CASSANDRA_CONSISTENCY: 'ONE',
    };
    execFileSync(process.execPath, [BIN, 'migrate'], { env: { ...process.env, ...env }, stdio: 'pipe' });
    return env;
  },
});

/** SQLite always; Cassandra when the run has a node (required under CI=true). */
export async function storageBackends(): Promise<StorageBackend[]> {
  const contactPoint = cassandraContactPoint();
  return contactPoint ? [sqlite, cassandraAt(contactPoint)] : [sqlite];
}
