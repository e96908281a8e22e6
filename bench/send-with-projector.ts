/**
 * The send path in its production shape: `dino server` and a `dino fanout` consuming its stream (Cassandra + Redis),
 * so the projector writes each batch of sends' derived state and announces it, and the server drops its cached
 * group on every announcement. Loads the send endpoint with a fixed number of sends and reads from Cassandra's own
 * tables (`system_views.coordinator_{read,write}_latency`) how many reads and writes of each table the sends caused,
 * per send: what the group cache and the projector's coalescing save Cassandra; and from the fan-out node's metrics
 * how long the run's broadcasts waited from acceptance to their last PUBACK. The fan-out publishes to the
 * machine's Mosquitto (DINO_MQTT_URL, default mqtt://127.0.0.1:1883).
 *
 *   npx tsx bench/send-with-projector.ts [--sends 20000] [--connections 50] [--runs 3]
 */
import cassandra from 'cassandra-driver';
import { CASSANDRA_CONTACT_POINT, createBenchBackends } from './support/backends.js';
import { broadcastLagOf } from './support/broadcast-lag.js';
import { launchDino } from './support/dino.js';
import { freePort } from '../test/support/net.js';
import { probeOptions } from './support/probe-options.js';
import { groupSendLoad } from './support/send-load.js';
import { waitUntilIdle } from './support/proc.js';
import { figure } from './stats.js';

const { sends, connections, runs } = probeOptions();
const brokerUrl = process.env.DINO_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

const backends = await createBenchBackends();
const server = await launchDino('server', backends.env);
const metricsPort = await freePort();
const fanout = await launchDino('fanout', { ...backends.env, DINO_MQTT_URL: brokerUrl, DINO_METRICS_PORT: String(metricsPort) });
const client = new cassandra.Client({ contactPoints: [CASSANDRA_CONTACT_POINT], localDataCenter: 'datacenter1' });
await client.connect();

/** Requests Cassandra has coordinated so far for the bench keyspace, by kind and table (e.g. `read:groups`). */
async function requests(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const kind of ['read', 'write']) {
    const rows = (await client.execute(`SELECT keyspace_name, table_name, count FROM system_views.coordinator_${kind}_latency`)).rows;
    for (const row of rows) if (row.keyspace_name === backends.keyspace) counts.set(`${kind}:${row.table_name}`, Number(row.count));
  }
  return counts;
}

try {
  const load = await groupSendLoad(server.base, connections);
  await load(Math.min(sends, 3000), 'warm-up');
  const perRun: Array<Record<string, number>> = [];
  for (let run = 1; run <= runs; run++) {
    await waitUntilIdle(fanout.pid);
    const before = await requests();
    const lag = await broadcastLagOf(`http://127.0.0.1:${metricsPort}`);
    const result = await load(sends, `send run ${run}/${runs}`);
    await waitUntilIdle(fanout.pid); // the projector's writes of the last sends included
    const after = await requests();
    const { meanMs, p99AtMostMs } = await lag();
    const done = sends - result.errors - result.non2xx;
    const row: Record<string, number> = { 'req/s': result.rps, 'broadcast lag mean ms': meanMs, 'broadcast lag p99 ≤ ms': p99AtMostMs };
    for (const [key, count] of after) if (count !== (before.get(key) ?? 0)) row[key] = (count - (before.get(key) ?? 0)) / done;
    perRun.push(row);
  }
  const keys = [...new Set(perRun.flatMap((r) => Object.keys(r)))];
  const medians = Object.fromEntries(keys.map((k) => [k, Number(figure(perRun.map((r) => r[k] ?? 0)).median.toPrecision(3))]));
  // req/s, then requests to Cassandra per send by kind and table: medians of the runs.
  console.log(JSON.stringify({ sends, connections, runs, medians }));
} finally {
  await client.shutdown();
  await fanout.stop();
  await server.stop();
  await backends.drop();
}
