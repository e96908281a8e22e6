/**
 * What one request costs Cassandra's own CPU as a function of how often requests come: the same unlogged
 * single-partition batch (9 rows of the `messages` shape, what a turn of the send path writes at 50 connections),
 * sent back to back (5 in flight) and then spaced 0.5–5 ms apart. CPU seconds of the Cassandra process from /proc,
 * divided by the batches. On a 2-core virtual machine a sparse request costs Cassandra several times a dense one:
 * after each request an idle worker of its shared pool keeps waking every 10 µs for up to 10 ms, looking for work.
 * That is why a send, whose writes arrive spaced by the HTTP work between them, costs Cassandra more per row than the
 * raw insert loop that keeps it busy, and why scripts/cassandra/cassandra.sh gives the JVM a 1 ms timer slack
 * (CASSANDRA_TIMER_SLACK_NS): the first line printed says which slack the node runs with.
 *
 *   npx tsx bench/cassandra-request-rate.ts [--rows 9]
 */
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';
import { CASSANDRA_CONTACT_POINT } from './support/backends.js';
import { randomTag } from './support/ids.js';
import { cpuSeconds, listenerPid, timerSlackNs } from './support/proc.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '9' } } });
const rows = Number(values.rows);
const keyspace = `dino_bench_rate_${randomTag()}`;
const client = new cassandra.Client({ contactPoints: [CASSANDRA_CONTACT_POINT], localDataCenter: 'datacenter1',
  queryOptions: { consistency: cassandra.types.consistencies.one, prepare: true } });
await client.connect();
const cassandraPid = listenerPid(9042);
if (cassandraPid === undefined) throw new Error('no process found listening on 9042');
process.stdout.write(`${JSON.stringify({ rows, cassandraPid, timerSlackNs: timerSlackNs(cassandraPid) ?? 'unreadable' })}\n`);
try {
  await client.execute(`CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await client.execute(`CREATE TABLE ${keyspace}.messages (group_id uuid, bucket int, message_id timeuuid, sender_id bigint,
    message_type text, payload text, PRIMARY KEY ((group_id, bucket), message_id)) WITH CLUSTERING ORDER BY (message_id DESC)`);
  const insert = `INSERT INTO ${keyspace}.messages (group_id, bucket, message_id, sender_id, message_type, payload) VALUES (?, ?, ?, ?, ?, ?)`;
  const groupId = cassandra.types.Uuid.random();
  const batch = () => client.batch(Array.from({ length: rows }, () => ({ query: insert,
    params: [groupId, 1, cassandra.types.TimeUuid.now(), 1_000_000_000_001, 'text', 'bench message'] })), { prepare: true, logged: false });
  for (const gapMs of [0, 0, 0.5, 1, 2, 5]) { // the first dense pass warms up
    const batches = gapMs === 0 ? 4000 : Math.round(2000 / gapMs);
    const before = cpuSeconds(cassandraPid);
    const started = performance.now();
    const pending: Array<Promise<unknown>> = [];
    for (let i = 0; i < batches; i++) {
      pending.push(batch());
      if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
      else if (pending.length >= 5) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    const rate = batches / ((performance.now() - started) / 1000);
    const perBatch = ((cpuSeconds(cassandraPid) - before) * 1e6) / batches;
    process.stdout.write(`${JSON.stringify({ gapMs, batchesPerSecond: Math.round(rate), cassandraMicrosPerBatch: Math.round(perBatch),
      cassandraMicrosPerRow: Math.round(perBatch / rows) })}\n`);
  }
} finally {
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
  await client.shutdown();
}
