import type { Config } from './config.js';
import { SqliteStorage } from './storage/sqlite.js';

/** `dino migrate`: brings the configured storage's schema up to date; running it again changes nothing. */
export async function migrate(config: Config): Promise<string> {
  if (!config.cassandra) {
    const storage = SqliteStorage.open(config.dataDir); // opening a SQLite file migrates it
    await storage.close();
    return `SQLite schema up to date in ${config.dataDir}`;
  }
  const { migrateCassandraKeyspace } = await import('./storage/cassandra-migrate.js');
  return migrateCassandraKeyspace(config.cassandra);
}
