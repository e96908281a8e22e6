import type { Config } from '../config.js';
import type { Storage } from '../core/ports/storage.js';
import { SqliteStorage } from './sqlite.js';

/** The configured storage: Cassandra when contact points are set, else the embedded SQLite file. */
export async function openStorage(config: Config): Promise<Storage> {
  if (!config.cassandra) return SqliteStorage.open(config.dataDir, { checkpointThread: true });
  const { CassandraStorage } = await import('./cassandra.js');
  return CassandraStorage.connect(config.cassandra);
}
