/**
 * Per-process costs, and the cluster they add up to (docs/capacity.md):
 *   - fan-out: deliveries/s of one `dino fanout` (DINO_WORKERS 1 and 2) and CPU seconds per delivery of it, of
 *     Mosquitto, of Redis (queueing and consuming) and of the API process, for large notifications and for messages
 *     to a group of the assumed average size (bench/capacity/fanout-cost.ts);
 *   - the stream: bytes per broadcast in Redis, entry size, Redis commands and CPU µs per broadcast queued
 *     (bench/capacity/stream-cost.ts);
 *   - storage: raw Cassandra inserts/s and the node's CPU per insert (bench/capacity/storage-cost.ts).
 *
 *   npm run build && node --import tsx bench/capacity.ts [--runs 3] [--users 5000] [--messages 10] [--skip-storage]
 *
 * Starts its own redis-server and mosquitto (free loopback ports: their CPU time is ours alone); uses the Cassandra
 * node on 127.0.0.1:9042 for the storage part. Writes bench/results/capacity-<date>.json and prints the sizing table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureFanoutCosts, type FanoutCostRun } from './capacity/fanout-cost.js';
import { CapacityRig } from './capacity/rig.js';
import { size, type Assumptions, type MeasuredCosts } from './capacity/sizing.js';
import { measureStorageCosts } from './capacity/storage-cost.js';
import { measureStreamCosts } from './capacity/stream-cost.js';
import { endProgress, note } from './progress.js';
import { median } from './stats.js';
import { RESULTS_DIR } from './support/dino.js';
import { ensureBuilt } from './support/preflight.js';

const { values: opts } = parseArgs({ options: {
  runs: { type: 'string', default: '3' }, users: { type: 'string', default: '5000' }, messages: { type: 'string', default: '10' },
  'skip-storage': { type: 'boolean', default: false },
} });

/** The target of issue 14 and the assumptions docs/capacity.md gives reasons for. */
export const ASSUMPTIONS: Assumptions = {
  onlineUsers: 1_000_000, deliveriesPerSec: 500_000, recipientsPerBroadcast: 50, utilisation: 0.6,
  coresPerFanoutPod: 2, coresPerBrokerNode: 8, connectionsPerBrokerNode: 250_000, brokerCostFactor: 2,
  coresPerCassandraNode: 8, rowsPerSend: 3, replicationFactor: 3, streamBacklogSec: 60,
};

/** Medians over the runs of one shape and worker count. */
function summarise(runs: FanoutCostRun[], shape: FanoutCostRun['shape'], workers: number) {
  const mine = runs.filter((r) => r.workers === workers && r.shape === shape);
  const perCore = (key: keyof FanoutCostRun['cpu']) => Math.round(median(mine.map((r) => r.deliveries / r.cpu[key])));
  return {
    shape, workers, runs: mine.length, deliveriesPerSec: Math.round(median(mine.map((r) => r.deliveriesPerSec))),
    fanoutDeliveriesPerCoreSec: perCore('fanout'), mosquittoDeliveriesPerCoreSec: perCore('mosquitto'),
    redisUsecPerBroadcast: Math.round(median(mine.map((r) => (r.cpu.redis * 1e6) / r.broadcasts))),
    serverCpuMsPerBroadcast: Math.round(median(mine.map((r) => (r.cpu.server * 1e3) / r.broadcasts)) * 100) / 100,
    fanoutCoresBusy: Math.round(median(mine.map((r) => r.cpu.fanout / (r.wallMs / 1000))) * 100) / 100,
    duplicates: mine.reduce((n, r) => n + r.duplicates, 0), missing: mine.reduce((n, r) => n + r.missing, 0),
  };
}

async function main() {
  ensureBuilt();
  const runs = Number(opts.runs);
  const users = Number(opts.users);
  const messages = Number(opts.messages);
  const rig = await CapacityRig.start();
  try {
    note('stream: bytes and Redis work per broadcast');
    const stream = await measureStreamCosts(rig);
    note('fan-out: CPU per delivery');
    const fanout = await measureFanoutCosts(rig, { users, messages, groupSize: ASSUMPTIONS.recipientsPerBroadcast, groupMessages: 400, workers: [1, 2], runs });
    const storage = opts['skip-storage'] ? [] : (note('storage: raw Cassandra inserts'), await measureStorageCosts(128, 8, runs));
    const shapes = (['group', 'notification'] as const).flatMap((shape) => [1, 2].map((w) => summarise(fanout, shape, w)));
    // Sized on the small group broadcasts (the assumed average) with 2 worker threads per pod.
    const group = shapes.find((s) => s.shape === 'group' && s.workers === 2)!;
    const groupStream = stream.find((s) => s.recipients === ASSUMPTIONS.recipientsPerBroadcast && s.shape.startsWith('group'));
    const measured: MeasuredCosts = {
      fanoutDeliveriesPerCoreSec: group.fanoutDeliveriesPerCoreSec,
      brokerDeliveriesPerCoreSec: group.mosquittoDeliveriesPerCoreSec,
      redisUsecPerBroadcast: group.redisUsecPerBroadcast,
      streamBytesPerBroadcast: groupStream?.bytesInRedisPerBroadcast ?? Number.NaN,
      cassandraInsertsPerCoreSec: storage.length ? Math.round(median(storage.map((s) => 1000 / s.cassandraCpuMsPerInsert))) : Number.NaN,
    };
    return { date: new Date().toISOString(), users, messages, runs, stream, fanout, shapes, storage,
      measured, assumptions: ASSUMPTIONS, sizing: size(measured, ASSUMPTIONS) };
  } finally {
    await rig.close();
  }
}

main().then((result) => {
  endProgress();
  console.table(result.stream.map((s) => ({ ...s, commandsPerBroadcast: JSON.stringify(s.commandsPerBroadcast),
    usecPerBroadcastByCommand: JSON.stringify(s.usecPerBroadcastByCommand) })));
  console.table(result.shapes);
  console.table(result.storage);
  console.table(result.sizing);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `capacity-${result.date.slice(0, 16).replace(/[:T]/g, '')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`results: ${file}`);
  process.exit(0);
}, (err) => {
  endProgress();
  console.error(err);
  process.exit(1);
});
