/**
 * What a stored row costs Cassandra: the raw insert loop of bench/baselines/raw-cassandra.ts (a table shaped like
 * `messages`, prepared INSERTs, `concurrency` in flight) against the node on 127.0.0.1:9042, with that node's CPU
 * seconds over the run. The node is shared with other users of this machine: its CPU time may include their work,
 * so CPU per insert is an upper bound.
 */
import { execFileSync } from 'node:child_process';
import cassandra from 'cassandra-driver';
import { RawCassandraInserts } from '../baselines/raw-cassandra.js';
import { randomTag } from '../support/ids.js';
import { cpuSeconds } from '../support/proc.js';

export const CASSANDRA = '127.0.0.1:9042';

export interface StorageCostRun {
  concurrency: number;
  insertsPerSec: number;
  p99Ms: number;
  /** CPU ms of the Cassandra process per insert (NaN when its pid cannot be read). */
  cassandraCpuMsPerInsert: number;
}

/** Pid of the process listening on the CQL port, from `ss` (undefined if not ours to see). */
function cassandraPid(): number | undefined {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${CASSANDRA.split(':')[1]}`], { encoding: 'utf8' });
    return Number(/pid=(\d+)/.exec(out)?.[1]) || undefined;
  } catch {
    return undefined;
  }
}

export async function measureStorageCosts(concurrency: number, seconds: number, runs: number): Promise<StorageCostRun[]> {
  const keyspace = `dino_cap_${randomTag()}`;
  const admin = new cassandra.Client({ contactPoints: [CASSANDRA], localDataCenter: 'datacenter1', socketOptions: { readTimeout: 60_000 } });
  await admin.execute(`CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  const inserts = await RawCassandraInserts.open(CASSANDRA, keyspace);
  const pid = cassandraPid();
  const results: StorageCostRun[] = [];
  try {
    await inserts.run(concurrency, 2, 'warm-up');
    for (let run = 1; run <= runs; run++) {
      const before = pid ? cpuSeconds(pid) : Number.NaN;
      const figures = await inserts.run(concurrency, seconds, `raw inserts ${run}/${runs}`);
      const cpu = pid ? cpuSeconds(pid) - before : Number.NaN;
      results.push({ concurrency, insertsPerSec: Math.round(figures.rps), p99Ms: Math.round(figures.p99Ms * 10) / 10,
        cassandraCpuMsPerInsert: Math.round((1000 * cpu / (figures.rps * seconds)) * 1000) / 1000 });
    }
  } finally {
    await inserts.close();
    await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
    await admin.shutdown();
  }
  return results;
}
