/**
 * Ingestion: autocannon against Dino's send, notification and GET endpoints, on embedded SQLite (`dino start`) and
 * on Cassandra + Redis (`dino server`, the production API process; no fan-out node consumes the stream meanwhile),
 * at each connection count. Baselines in the same run, interleaved run by run: the bare uWebSockets.js endpoint
 * (HTTP ceiling) and the same POST storing what a SQLite send must (message row and journal row) with the SQLite block, the raw cassandra-driver insert loop (storage ceiling) and the raw insert + XADD
 * loop (the least a send must do) with the Cassandra one.
 */
import { randomUUID } from 'node:crypto';
import { api } from '../../test/support/dino-process.js';
import { startBareUws, type BareUws } from '../baselines/bare-uws.js';
import { RawCassandraInserts } from '../baselines/raw-cassandra.js';
import { RawSends } from '../baselines/raw-send.js';
import { httpLoad, type LoadRun } from '../load/http-load.js';
import type { BaselineResult, Endpoint, IngestResult, LoadFigures, Storage } from '../model.js';
import { note, progress } from '../progress.js';
import { figure } from '../stats.js';
import { createBenchBackends, CASSANDRA_CONTACT_POINT, REDIS_URL, type BenchBackends } from '../support/backends.js';
import { launchDino, type BenchDino } from '../support/dino.js';
import { uniqueUserIds } from '../support/ids.js';
import { waitUntilIdle } from '../support/proc.js';

export interface IngestOptions {
  storages: Storage[];
  connections: number[];
  runs: number;
  seconds: number;
  warmupSeconds: number;
}

export interface IngestOutput {
  ingest: IngestResult[];
  baselines: BaselineResult[];
}

/** One thing put under load: a closure running it at a connection count for some seconds. */
interface Target {
  name: string;
  run(connections: number, seconds: number, label: string): Promise<LoadRun>;
  /** Waits for the work a run left behind (`dino start` fanning out what it accepted) before the next one. */
  settle?(): Promise<void>;
}

const SEND_BODY = JSON.stringify({ message_payload: 'bench message', message_type: 'text' });

export async function runIngest(options: IngestOptions): Promise<IngestOutput> {
  const output: IngestOutput = { ingest: [], baselines: [] };
  for (const storage of options.storages) {
    if (storage === 'sqlite') await sqliteBlock(options, output);
    else await cassandraBlock(options, output);
  }
  return output;
}

async function sqliteBlock(options: IngestOptions, output: IngestOutput): Promise<void> {
  progress('ingest sqlite: starting dino and the bare uWS server');
  const dino = await launchDino('start');
  let bare: BareUws | undefined;
  try {
    bare = await startBareUws();
    const bareBase = `http://127.0.0.1:${bare.port}`;
    const targets = [...await dinoTargets(dino), ...[
      httpTarget('uws-post', `${bareBase}/v1/groups/${randomUUID()}/user/1000000000001/send`, SEND_BODY),
      httpTarget('uws-post-sqlite', `${bareBase}/v1/groups/${randomUUID()}/user/1000000000001/send-stored`, SEND_BODY),
      httpTarget('uws-get', `${bareBase}/v1/groups/${randomUUID()}`),
    ]];
    collect(output, 'sqlite', await measure(targets, options, 'ingest sqlite'));
  } finally {
    await bare?.stop();
    await closeDino(dino, 'ingest sqlite');
  }
}

async function cassandraBlock(options: IngestOptions, output: IngestOutput): Promise<void> {
  progress('ingest cassandra: creating a bench keyspace (dino migrate)');
  const backends: BenchBackends = await createBenchBackends();
  let dino: BenchDino | undefined;
  let raw: RawCassandraInserts | undefined;
  let rawSends: RawSends | undefined;
  try {
    dino = await launchDino('server', backends.env);
    raw = await RawCassandraInserts.open(CASSANDRA_CONTACT_POINT, backends.keyspace);
    rawSends = await RawSends.open(raw, REDIS_URL, `${backends.env['DINO_STREAM']}:raw`);
    const [inserts, sends] = [raw, rawSends];
    const targets: Target[] = [...await dinoTargets(dino, () => backends.emptyStream()),
      { name: 'cassandra-insert', run: (connections, seconds, label) => inserts.run(connections, seconds, label) },
      { name: 'cassandra-insert-xadd', run: (connections, seconds, label) => sends.run(connections, seconds, label) }];
    collect(output, 'cassandra', await measure(targets, options, 'ingest cassandra'));
  } finally {
    await rawSends?.close();
    await raw?.close();
    if (dino) await closeDino(dino, 'ingest cassandra');
    progress('ingest cassandra: dropping the bench keyspace');
    await backends.drop().catch((err: Error) => note(`could not drop keyspace ${backends.keyspace}: ${err.message}`));
  }
}

/** A group of three (the sender and two others) to send to and read, and ten recipients per notification. */
async function dinoTargets(dino: BenchDino, afterRun?: () => Promise<void>): Promise<Target[]> {
  const [sender, ...others] = uniqueUserIds(12) as [number, ...number[]];
  const created = await api(dino.base, 'POST', `/v1/users/${sender}/groups/create`, { group_name: 'bench', users: others.slice(0, 2) });
  if (created.status !== 200) throw new Error(`group create: ${created.status} ${JSON.stringify(created.body)}`);
  const groupId = created.body.group_id as string;
  const settle = async () => {
    await waitUntilIdle(dino.pid);
    await afterRun?.();
  };
  const notification = JSON.stringify({ event_type: 'bench', notification: [{ user_ids: [sender, ...others.slice(2)], data: { text: 'bench notification' } }] });
  return [
    { ...httpTarget('send', `${dino.base}/v1/groups/${groupId}/user/${sender}/send`, SEND_BODY), settle },
    { ...httpTarget('notification', `${dino.base}/v1/notification/send`, notification), settle },
    { ...httpTarget('get', `${dino.base}/v1/groups/${groupId}`), settle },
  ];
}

function httpTarget(name: string, url: string, body?: string): Target {
  return {
    name,
    run: (connections, seconds, label) => httpLoad({ url, method: body === undefined ? 'GET' : 'POST', body, connections, seconds, label }),
  };
}

/** Every target at every connection count, `runs` times, round-robin; a short unmeasured warm-up before the first. */
async function measure(targets: Target[], options: IngestOptions, label: string): Promise<Map<string, LoadRun[]>> {
  const runs = new Map<string, LoadRun[]>();
  for (const connections of options.connections) {
    for (const target of targets) {
      await target.run(connections, options.warmupSeconds, `${label} ${target.name} ×${connections} warm-up`);
      await target.settle?.();
    }
    for (let run = 1; run <= options.runs; run++) {
      for (const target of targets) {
        const key = `${target.name}|${connections}`;
        const result = await target.run(connections, options.seconds, `${label} ${target.name} ×${connections} run ${run}/${options.runs}`);
        runs.set(key, [...(runs.get(key) ?? []), result]);
        progress(`${label} ${target.name} ×${connections}: waiting for dino to finish the fan-out it accepted`);
        await target.settle?.();
      }
    }
  }
  return runs;
}

function collect(output: IngestOutput, storage: Storage, runs: Map<string, LoadRun[]>): void {
  for (const [key, results] of runs) {
    const [name, connections] = key.split('|') as [string, string];
    const figures = loadFigures(results);
    if (name === 'send' || name === 'notification' || name === 'get') {
      output.ingest.push({ storage, endpoint: name as Endpoint, connections: Number(connections), dino: figures });
    } else {
      output.baselines.push({ kind: name as BaselineResult['kind'], connections: Number(connections), figures });
    }
    note(`ingest ${storage} ${name} ×${connections}: ${Math.round(figures.rps.median)} req/s, p99 ${figures.p99Ms.median.toFixed(1)} ms`);
  }
}

function loadFigures(results: LoadRun[]): LoadFigures {
  return {
    rps: figure(results.map((r) => r.rps)), p50Ms: figure(results.map((r) => r.p50Ms)), p99Ms: figure(results.map((r) => r.p99Ms)),
    errors: results.reduce((n, r) => n + r.errors, 0), non2xx: results.reduce((n, r) => n + r.non2xx, 0),
  };
}

async function closeDino(dino: BenchDino, label: string): Promise<void> {
  const troubles = await dino.close();
  if (troubles.length > 0) note(`${label}: dino logged ${troubles.length} warnings/errors, first: ${troubles[0]!.slice(0, 300)}`);
}
