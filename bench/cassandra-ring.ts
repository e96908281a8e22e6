/**
 * Dino on a 3-node Cassandra ring (replication simple:3, LOCAL_QUORUM) losing a node mid-run: sends go on from
 * `--lanes` callers while one node is killed with SIGKILL and later restarted with its data; afterwards every send
 * that was answered 2xx must be in the group's history and must have reached a subscribed member over MQTT.
 *
 *   npm run build && node --import tsx bench/cassandra-ring.ts [--lanes 16] [--before 20] [--outage 30] [--after 15]
 *                                                           [--kill-node 2] [--no-restart] [--keep-ring]
 *
 * Starts the ring with scripts/cassandra/ring.sh (127.0.0.1-3, CQL 9142) unless it is already up, and stops it at the
 * end if it started it (not with --keep-ring). Runs `dino start` (embedded broker and queue) with
 * DINO_CASSANDRA_CONTACT_POINTS on all three nodes; a keyspace of its own, dropped afterwards. Not part of CI: the ring
 * alone takes 1-4 minutes to start on a 2-core machine and ~4.5 GB of memory. Exits 1 if an accepted send is missing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';
import { api } from '../test/support/dino-process.js';
import { MqttUser } from '../test/support/mqtt-user.js';
import { sleep, until } from '../test/support/wait.js';
import { endProgress, every, note, progress } from './progress.js';
import { nodePid, RING_CONTACT_POINTS, RING_CQL_PORT, ringScript, ringUp, startRing } from './ring/ring-control.js';
import { accepted, phaseFigures, SendLoad, type PhaseFigures, type SendRecord } from './ring/send-load.js';
import { SingleRowLane } from './ring/single-row-lane.js';
import { launchDino, migrate, RESULTS_DIR } from './support/dino.js';
import { randomTag, uniqueUserIds } from './support/ids.js';
import { ensureBuilt } from './support/preflight.js';

const { values: opts } = parseArgs({ options: {
  lanes: { type: 'string', default: '16' }, before: { type: 'string', default: '20' }, outage: { type: 'string', default: '30' },
  after: { type: 'string', default: '15' }, 'kill-node': { type: 'string', default: '2' },
  'no-restart': { type: 'boolean', default: false }, 'keep-ring': { type: 'boolean', default: false },
} });
const seconds = (name: 'before' | 'outage' | 'after') => Number(opts[name]) * 1000;
const killNode = Number(opts['kill-node']) as 1 | 2 | 3;
if (![1, 2, 3].includes(killNode)) throw new Error('--kill-node: 1, 2 or 3');

interface RingResult {
  date: string;
  settings: Record<string, string | number | boolean>;
  timeline: { killAtMs: number; restartAtMs?: number; nodeBackAtMs?: number; stopAtMs: number };
  phases: PhaseFigures[];
  /** Sends answered 2xx, and how many of them are not in the history / did not reach the subscriber. */
  accepted: number;
  missingFromHistory: number;
  missingOverMqtt: number;
  /** Longest time after the kill without any send being accepted (between two 2xx answers): the outage as callers see it. */
  longestStallAfterKillMs: number;
  /** The raw driver's single-row inserts at LOCAL_QUORUM in the same run (4 lanes): no batchlog. */
  singleRowInserts: { phases: PhaseFigures[]; longestStallAfterKillMs: number };
  /** Sends answered otherwise whose message is in the history all the same (a write that outlived its time-out). */
  failedButStored: number;
  /** Per second of the run: accepted sends, others, slowest answer. */
  perSecond: Array<{ s: number; ok: number; failed: number; maxMs: number }>;
}

/** One history page; a 503 is retried, as the API asks its callers to (up to 10 times, 1 s apart). */
async function readPage(base: string, path: string, body: object) {
  for (let attempt = 1; ; attempt++) {
    const page = await api(base, 'POST', path, body);
    if (page.status === 200) return page;
    if (page.status !== 503 || attempt >= 10) throw new Error(`histories: ${page.status} ${JSON.stringify(page.body)}`);
    note(`histories: 503, retrying: ${JSON.stringify(page.body)}`);
    await sleep(1000);
  }
}

/** Every message id in the group's history, newest first, paged by `until` (exclusive: ties are checked one by one). */
async function historyIds(base: string, groupId: string, userId: number, ok: SendRecord[]): Promise<Set<string>> {
  const ids = new Set<string>();
  const path = `/v1/groups/${groupId}/user/${userId}/histories`;
  let until: number | undefined;
  for (;;) {
    const page = await readPage(base, path, { per_page: 1000, ...(until === undefined ? {} : { until }) });
    const messages = page.body.messages as Array<{ message_id: string; created_at: number }>;
    for (const m of messages) ids.add(m.message_id);
    if (messages.length < 1000) break;
    until = messages.at(-1)!.created_at;
  }
  // A message sharing its created_at with a page's last one may sit behind `until`: look it up at its own time.
  for (const r of ok.filter((r) => !ids.has(r.messageId!))) {
    const page = await readPage(base, path, { per_page: 1000, since: r.createdAt, until: r.createdAt! + 1e-6 });
    for (const m of page.body.messages as Array<{ message_id: string }>) ids.add(m.message_id);
  }
  return ids;
}

function longestStall(records: SendRecord[], fromMs: number): number {
  const answers = records.filter(accepted).map((r) => r.at + r.ms).filter((t) => t >= fromMs).sort((a, b) => a - b);
  let longest = 0;
  let last = fromMs;
  for (const t of answers) {
    longest = Math.max(longest, t - last);
    last = t;
  }
  return Math.round(longest);
}

function perSecond(records: SendRecord[], endMs: number): RingResult['perSecond'] {
  return Array.from({ length: Math.ceil(endMs / 1000) }, (_, s) => {
    const inSecond = records.filter((r) => r.at >= s * 1000 && r.at < (s + 1) * 1000);
    return { s, ok: inSecond.filter(accepted).length, failed: inSecond.filter((r) => !accepted(r)).length,
      maxMs: Math.round(Math.max(0, ...inSecond.map((r) => r.ms))) };
  });
}

async function dropKeyspace(keyspace: string): Promise<void> {
  const client = new cassandra.Client({ contactPoints: RING_CONTACT_POINTS.split(','), localDataCenter: 'datacenter1',
    protocolOptions: { port: RING_CQL_PORT }, socketOptions: { readTimeout: 60_000 } });
  try {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}

async function main(): Promise<RingResult> {
  ensureBuilt();
  const ownRing = !(await ringUp());
  if (ownRing) {
    note('starting the 3-node ring (scripts/cassandra/ring.sh start); this takes minutes on 2 cores');
    await startRing();
  }
  const keyspace = `dino_ring_${randomTag()}`;
  const env = {
    DINO_CASSANDRA_CONTACT_POINTS: RING_CONTACT_POINTS, DINO_CASSANDRA_KEYSPACE: keyspace,
    DINO_CASSANDRA_REPLICATION: 'simple:3', DINO_CASSANDRA_CONSISTENCY: 'LOCAL_QUORUM',
  };
  const settings = { ...env, lanes: Number(opts.lanes), killNode, restart: !opts['no-restart'] };
  await migrate(env);
  note(`keyspace ${keyspace} (simple:3) migrated; starting dino start`);
  const dino = await launchDino('start', env);
  const [owner, member] = uniqueUserIds(2) as [number, number];
  let subscriber: MqttUser | undefined;
  let singleRows: SingleRowLane | undefined;
  try {
    const created = await api(dino.base, 'POST', `/v1/users/${owner}/groups/create`, { group_name: 'ring', users: [member] });
    if (created.status !== 201 && created.status !== 200) throw new Error(`create group: ${created.status} ${JSON.stringify(created.body)}`);
    const groupId = created.body.group_id as string;
    subscriber = await MqttUser.connect(`mqtt://127.0.0.1:${dino.mqttPort}`, member);
    const load = new SendLoad(`${dino.base}/v1/groups/${groupId}/user/${owner}/send`, Number(opts.lanes));
    singleRows = await SingleRowLane.start(RING_CONTACT_POINTS.split(','), RING_CQL_PORT, keyspace, 4, () => load.now());
    const ticker = every(1000, () => progress(`${Math.round(load.now() / 1000)} s: ${load.records.filter(accepted).length} accepted, `
      + `${load.records.filter((r) => !accepted(r)).length} not`));
    await sleep(seconds('before'));
    const pid = await nodePid(killNode);
    process.kill(pid, 'SIGKILL');
    const killAtMs = load.now();
    note(`kill -9 of node ${killNode} (127.0.0.${killNode}, pid ${pid}) at ${Math.round(killAtMs)} ms`);
    await sleep(seconds('outage'));
    const timeline: RingResult['timeline'] = { killAtMs, stopAtMs: 0 };
    if (!opts['no-restart']) {
      timeline.restartAtMs = load.now();
      note(`restarting node ${killNode} with its data (ring.sh start)`);
      await startRing();
      timeline.nodeBackAtMs = load.now();
      note(`node ${killNode} back after ${Math.round((timeline.nodeBackAtMs - timeline.restartAtMs) / 1000)} s`);
    }
    await sleep(seconds('after'));
    await Promise.all([load.stop(), singleRows.stop()]);
    ticker();
    timeline.stopAtMs = load.now();
    const ok = load.records.filter(accepted);
    note(`${ok.length} sends accepted; waiting for them over MQTT, then reading the history`);
    const delivered = () => new Set(subscriber!.received.filter((e) => e.event_type === 'message').map((e) => e.message_id as string));
    await until('every accepted message over MQTT', () => ok.every((r) => delivered().has(r.messageId!)), 120_000, 500)
      .catch((err: Error) => note(`!!! ${err.message}`));
    const stored = await historyIds(dino.base, groupId, owner, ok);
    const got = delivered();
    const end = timeline.nodeBackAtMs ?? timeline.stopAtMs;
    const phases = (records: SendRecord[]) => [
      phaseFigures(records, 'before the kill', 0, killAtMs),
      phaseFigures(records, 'first 5 s after the kill', killAtMs, killAtMs + 5000),
      phaseFigures(records, 'node down (whole outage)', killAtMs, end),
      ...(timeline.nodeBackAtMs === undefined ? [] : [phaseFigures(records, 'node back', timeline.nodeBackAtMs, timeline.stopAtMs)]),
    ];
    return {
      date: new Date().toISOString(), settings, timeline,
      phases: phases(load.records),
      singleRowInserts: { phases: phases(singleRows.records), longestStallAfterKillMs: longestStall(singleRows.records, killAtMs) },
      accepted: ok.length,
      missingFromHistory: ok.filter((r) => !stored.has(r.messageId!)).length,
      missingOverMqtt: ok.filter((r) => !got.has(r.messageId!)).length,
      longestStallAfterKillMs: longestStall(load.records, killAtMs),
      failedButStored: load.records.filter((r) => !accepted(r) && r.messageId !== undefined && stored.has(r.messageId)).length,
      perSecond: perSecond(load.records, timeline.stopAtMs),
    };
  } finally {
    await subscriber?.close().catch(() => undefined);
    await singleRows?.stop().catch(() => undefined);
    const troubles = await dino.close();
    if (troubles.length > 0) note(`dino logged ${troubles.length} warnings/errors`);
    for (const line of troubles.filter((l) => /"level":[56]\d/.test(l)).slice(0, 5)) note(line.slice(0, 1500));
    await dropKeyspace(keyspace).catch((err: Error) => note(`could not drop ${keyspace}: ${err.message}`));
    if (ownRing && !opts['keep-ring']) await ringScript('stop');
  }
}

main().then((result) => {
  endProgress();
  console.log(JSON.stringify(result.timeline));
  console.table(result.phases.map((p) => ({ ...p, failed: JSON.stringify(p.failed) })));
  console.log(`single-row inserts at LOCAL_QUORUM (raw driver, 4 lanes), longest stall after the kill ${result.singleRowInserts.longestStallAfterKillMs} ms:`);
  console.table(result.singleRowInserts.phases.map((p) => ({ ...p, failed: JSON.stringify(p.failed) })));
  console.log(`accepted ${result.accepted}; missing from history ${result.missingFromHistory}; missing over MQTT `
    + `${result.missingOverMqtt}; failed but stored ${result.failedButStored}; longest stall after the kill ${result.longestStallAfterKillMs} ms`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `ring-${result.date.slice(0, 16).replace(/[:T]/g, '')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`results: ${file}`);
  process.exit(result.missingFromHistory + result.missingOverMqtt === 0 ? 0 : 1);
}, (err) => {
  endProgress();
  console.error(err);
  process.exit(1);
});
