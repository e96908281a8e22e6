/**
 * Horizontal scaling of the fan-out: deliveries per second with 1, 2 and 3 `dino fanout` processes sharing one Redis
 * Stream consumer group, for a 5 000-user × 20 broadcast through Mosquitto to 5 000 subscribed users (a multi-process
 * subscriber farm), plus the time from kill -9 of one of two nodes to full delivery, and the duplicates that costs.
 *
 *   npm run build && npx tsx bench/scaling.ts [--runs 3] [--quick] [--partitions N] [--redis URL] [--claim-idle-ms MS]
 *
 * Needs Redis on 127.0.0.1:6379 (or `--redis`, e.g. a redis+cluster:// URL from scripts/redis-cluster.sh) and
 * Mosquitto on 127.0.0.1:1883. `--partitions` sets DINO_STREAM_PARTITIONS; the nodes run the shipped liveness and
 * claim settings unless `--claim-idle-ms` says otherwise. Everything is namespaced by a random tag (stream,
 * group, topic prefix, user ids ≥ 1e12); sessions, keys and processes are removed afterwards.
 *
 * One round = the 1-, 2- and 3-node measurements (nodes started fresh for each) plus a kill -9 run and a "ceiling"
 * run: the same 100 000 publishes from one mqtt.js client in this process, QoS 1, straight to Mosquitto — the
 * yardstick of DESIGN.md, measured in the same conditions. Rounds interleave the configurations so a slow patch of
 * the machine does not land on one of them only. Each node runs DINO_WORKERS=1; the farm, Mosquitto, Redis and the
 * server share the same cores, so on a 2-core box the numbers show the coordination overhead, not a cluster's growth.
 *
 * `runScaling(options)` is the programmatic entry (bench/run.ts); `--quick` is 1 000 users × 10 messages.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { connect } from 'mqtt';
import { api, isRunning, startDino, type DinoProcess } from '../test/support/dino-process.js';
import { sleep, until } from '../test/support/wait.js';
import { median } from './stats.js';
import { SubscriberFarm } from '../test/support/subscriber-farm.js';
import { pidOfConsumer, StreamAdmin } from '../test/support/stream-admin.js';
import { loadConfig } from '../src/config.js';

/** The shipped liveness and claim settings. */
const DEFAULTS = loadConfig({ DINO_REDIS_URL: 'redis://127.0.0.1' }).redis!;

const MQTT_URL = 'mqtt://127.0.0.1:1883';
const NODE_COUNTS = [1, 2, 3] as const;

export interface ScalingOptions {
  runs: number;
  quick: boolean;
  /** DINO_REDIS_URL of the nodes; the machine's Redis on 6379 by default. */
  redisUrl?: string;
  /** DINO_STREAM_PARTITIONS; 1 by default. */
  partitions?: number;
  /** DINO_CLAIM_IDLE_MS; the shipped default unless given. */
  claimIdleMs?: number;
}

export interface ThroughputResult {
  fanouts: number;
  /** Deliveries per second of each run: recipients × messages over first POST → last arrival. */
  deliveriesPerSecond: number[];
  medianDeliveriesPerSecond: number;
  /** Median, ms from the first POST to the last arrival. */
  medianMs: number;
  duplicates: number;
  missing: number;
}

export interface RecoveryRun {
  /** kill -9 → every user has every message. */
  killToFullDeliveryMs: number;
  /** Entries the killed node held (pending on it) when it died. */
  victimHeld: number;
  duplicates: number;
  missing: number;
}

export interface ScalingResult {
  users: number;
  messages: number;
  deliveriesPerRun: number;
  runs: number;
  workersPerNode: number;
  claimIdleMs: number;
  partitions: number;
  throughput: ThroughputResult[];
  /** One mqtt.js client publishing the same deliveries straight to Mosquitto (QoS 1): the yardstick. */
  ceiling: { deliveriesPerSecond: number[]; medianDeliveriesPerSecond: number };
  recovery: {
    runs: RecoveryRun[];
    medianKillToFullDeliveryMs: number;
    duplicatesTotal: number;
    missingTotal: number;
  };
}

const now = () => performance.timeOrigin + performance.now();


/** Deliveries (recipients × messages) per second over `ms`. */
const rate = (deliveries: number, ms: number) => Math.round(deliveries / (ms / 1000));

/** Server, farm and Redis admin connection of one benchmark, namespaced by a random tag. */
class Rig {
  readonly tag = randomBytes(4).toString('hex');
  readonly stream = `dino:bench:${this.tag}`;
  readonly group = `dino-bench-${this.tag}`;
  readonly prefix = `bench/${this.tag}/`;
  readonly userIds: number[];
  readonly streams: StreamAdmin;
  readonly dataDir = mkdtempSync(join(tmpdir(), 'dino-bench-scaling-'));
  server!: DinoProcess;
  farm!: SubscriberFarm;
  readonly fanouts: DinoProcess[] = [];
  private expectedPerUser = 0;
  private round = 0;

  constructor(readonly users: number, readonly messages: number, private readonly redisUrl: string,
    private readonly partitions: number, private readonly claimIdleMs: number) {
    this.streams = new StreamAdmin(redisUrl, this.stream, this.group, partitions);
    const base = 1_000_000_000_000 + Math.floor(Math.random() * 1e9) * 10_000;
    this.userIds = Array.from({ length: users }, (_, i) => base + i);
  }

  get env(): Record<string, string> {
    return {
      DINO_REDIS_URL: this.redisUrl, DINO_STREAM: this.stream, DINO_STREAM_GROUP: this.group,
      DINO_CLAIM_IDLE_MS: String(this.claimIdleMs), DINO_STREAM_PARTITIONS: String(this.partitions),
      DINO_MQTT_URL: MQTT_URL, DINO_MQTT_TOPIC_PREFIX: this.prefix,
    };
  }

  async start(): Promise<void> {
    this.server = await startDino('server', { ...this.env, DINO_DATA_DIR: this.dataDir });
    this.farm = await SubscriberFarm.start({ url: MQTT_URL, userIds: this.userIds, processes: 4, topicPrefix: this.prefix, progressIntervalMs: 20 });
    await this.farm.ready(120_000);
  }

  /** Exactly `count` live nodes, each blocked in XREADGROUP (a node joins the group only with its first entry). */
  async nodes(count: number): Promise<DinoProcess[]> {
    const live = this.fanouts.filter(isRunning);
    await Promise.all(live.slice(count).map((p) => p.stop()));
    const missing = count - Math.min(count, live.length);
    await Promise.all(Array.from({ length: missing }, async () => {
      this.fanouts.push(await startDino('fanout', { ...this.env, DINO_WORKERS: '1' }));
    }));
    const nodes = this.fanouts.filter(isRunning);
    await until('every fan-out node reading the stream', async () => {
      const readers = await this.clients();
      return nodes.every((p) => readers.some((c) => c.pid === p.child.pid && c.role === 'reader' && c.cmd.startsWith('xreadgroup')));
    }, 15_000, 50);
    return nodes;
  }

  /** Redis connections of our own children (on every node of a cluster). */
  clients() {
    return this.streams.clients([this.server, ...this.fanouts].map((p) => p.child.pid!));
  }

  pending(): Promise<Array<{ id: string; owner: string }>> {
    return this.streams.pendingEntries();
  }

  /**
   * One broadcast run: `messages` notifications to every user, through the server (`publish` undefined) or straight
   * from `publish`. `during(progress)` runs on every progress tick until it returns true. Resolves once every user has
   * every message.
   */
  async run(options: {
    /** Publishes every message itself instead of POSTing them to the server. */
    publish?: (seqs: string[]) => Promise<void>;
    during?: (progress: number) => Promise<boolean>;
    timeoutMs?: number;
  } = {}) {
    const total = this.users * this.messages;
    const round = ++this.round;
    const before = await this.farm.report(this.expectedPerUser);
    this.expectedPerUser += this.messages;
    const startedAt = now();
    const seqs = Array.from({ length: this.messages }, (_, i) => `${round}:${i + 1}`);
    if (options.publish) await options.publish(seqs);
    else for (const seq of seqs) await this.post(seq);
    let hooked = !options.during;
    let completeAt = 0;
    await until('every user to receive every message', async () => {
      const progress = (this.farm.deliveries - before.deliveries) / total;
      if (!hooked) hooked = await options.during!(progress);
      if (progress < 1) return false;
      const report = await this.farm.report(this.expectedPerUser);
      completeAt = now();
      return hooked && report.missing === 0;
    }, options.timeoutMs ?? 120_000);
    await sleep(300); // late duplicates
    const report = await this.farm.report(this.expectedPerUser);
    await until('the pending list to empty', async () => (await this.pending()).length === 0, 15_000, 50);
    return {
      startedAt, completeAt, lastArrival: report.lastArrival!, missing: report.missing,
      duplicates: report.duplicates - before.duplicates,
    };
  }

  private async post(seq: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const sent = await api(this.server.base, 'POST', '/v1/notification/send', {
        event_type: 'bench', notification: [{ user_ids: this.userIds, data: { seq, sent_at: Date.now() } }],
      });
      if (sent.status === 201) return;
      if (sent.status !== 503 || attempt >= 20) throw new Error(`POST: ${sent.status} ${JSON.stringify(sent.body)}`);
      await sleep(100);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.fanouts.filter(isRunning).map((p) => p.stop()));
    await this.server?.stop();
    await this.farm?.stop({ purgeSessions: true });
    await this.streams.cleanUp();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** One mqtt.js client publishing QoS 1 to every user's topic with a window of 1 000 in flight: the yardstick. */
async function directPublisher(rig: Rig) {
  const client = connect(MQTT_URL, { clientId: `bench-ceiling-${rig.tag}`, clean: true, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  /** Every message to every user, message after message, one window of 1 000 publishes in flight over all. */
  const publish = (seqs: string[]) => new Promise<void>((resolve, reject) => {
    const total = seqs.length * rig.userIds.length;
    const payloads = seqs.map((seq) => Buffer.from(JSON.stringify({ event_type: 'bench', seq, sent_at: Date.now() })));
    let next = 0;
    let settled = 0;
    let inflight = 0;
    const pump = () => {
      while (inflight < 1000 && next < total) {
        const k = next++;
        inflight++;
        client.publish(rig.prefix + rig.userIds[k % rig.userIds.length], payloads[Math.floor(k / rig.userIds.length)]!, { qos: 1 }, (err) => {
          if (err) return reject(err);
          inflight--;
          if (++settled === total) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  return { publish, close: () => client.endAsync() };
}

export async function runScaling(opts: ScalingOptions): Promise<ScalingResult> {
  if (!existsSync(fileURLToPath(new URL('../dist/cli.js', import.meta.url)))) throw new Error('dino is not built: run `npm run build` first');
  const users = opts.quick ? 1000 : 5000;
  const messages = opts.quick ? 10 : 20;
  const runs = Math.max(1, Math.floor(opts.runs));
  const total = users * messages;
  const partitions = opts.partitions ?? 1;
  const claimIdleMs = opts.claimIdleMs ?? DEFAULTS.claimIdleMs;
  const rig = new Rig(users, messages, opts.redisUrl ?? 'redis://127.0.0.1:6379', partitions, claimIdleMs);
  const throughput = new Map<number, { rates: number[]; ms: number[]; duplicates: number; missing: number }>(
    NODE_COUNTS.map((n) => [n, { rates: [], ms: [], duplicates: 0, missing: 0 }]));
  const ceiling: number[] = [];
  const recovery: RecoveryRun[] = [];
  try {
    await rig.start();
    for (let round = 1; round <= runs; round++) {
      for (const n of NODE_COUNTS) {
        await rig.nodes(n);
        const result = await rig.run();
        const ms = result.lastArrival - result.startedAt;
        const entry = throughput.get(n)!;
        entry.rates.push(rate(total, ms));
        entry.ms.push(ms);
        entry.duplicates += result.duplicates;
        entry.missing += result.missing;
        console.error(`round ${round}: ${n} node(s): ${total} deliveries in ${ms.toFixed(0)} ms = ${rate(total, ms)}/s, ` +
          `duplicates ${result.duplicates}, missing ${result.missing}`);
      }

      const direct = await directPublisher(rig);
      try {
        const result = await rig.run({ publish: direct.publish });
        const ms = result.lastArrival - result.startedAt;
        ceiling.push(rate(total, ms));
        console.error(`round ${round}: ceiling (one mqtt.js client, QoS 1): ${ms.toFixed(0)} ms = ${rate(total, ms)}/s`);
      } finally {
        await direct.close();
      }

      const nodes = await rig.nodes(2);
      let killedAt = 0;
      let victimHeld = 0;
      const result = await rig.run({
        timeoutMs: 60_000,
        during: async (progress) => {
          if (progress < 0.35) return false;
          // The node holding the most entries now, so its death leaves work for the other to take over.
          const pending = await rig.pending();
          const held = nodes.map((p) => pending.filter((e) => pidOfConsumer(e.owner) === p.child.pid).length);
          const index = held[0]! >= held[1]! ? 0 : 1;
          victimHeld = held[index]!;
          process.kill(nodes[index]!.child.pid!, 'SIGKILL');
          killedAt = now();
          return true;
        },
      });
      const run: RecoveryRun = {
        killToFullDeliveryMs: Math.round(result.completeAt - killedAt), victimHeld,
        duplicates: result.duplicates, missing: result.missing,
      };
      recovery.push(run);
      console.error(`round ${round}: kill -9 of a node holding ${victimHeld} entries: full delivery ${run.killToFullDeliveryMs} ms later ` +
        `(claim idle ${claimIdleMs} ms), duplicates ${run.duplicates}, missing ${run.missing}`);
    }
  } finally {
    await rig.close();
  }
  return {
    users, messages, deliveriesPerRun: total, runs, workersPerNode: 1, claimIdleMs, partitions,
    throughput: NODE_COUNTS.map((n) => {
      const entry = throughput.get(n)!;
      return {
        fanouts: n, deliveriesPerSecond: entry.rates, medianDeliveriesPerSecond: Math.round(median(entry.rates)),
        medianMs: Math.round(median(entry.ms)), duplicates: entry.duplicates, missing: entry.missing,
      };
    }),
    ceiling: { deliveriesPerSecond: ceiling, medianDeliveriesPerSecond: Math.round(median(ceiling)) },
    recovery: {
      runs: recovery,
      medianKillToFullDeliveryMs: Math.round(median(recovery.map((r) => r.killToFullDeliveryMs))),
      duplicatesTotal: recovery.reduce((n, r) => n + r.duplicates, 0),
      missingTotal: recovery.reduce((n, r) => n + r.missing, 0),
    },
  };
}

function printTable(result: ScalingResult): void {
  console.log(`\n${result.users} users × ${result.messages} broadcasts = ${result.deliveriesPerRun} deliveries per run, ` +
    `Redis Streams (${result.partitions} partition(s)) + Mosquitto, DINO_WORKERS=${result.workersPerNode} per node; medians of ${result.runs} run(s)`);
  console.table([
    ...result.throughput.map((t) => ({
      setup: `${t.fanouts} × dino fanout`, 'deliveries/s (median)': t.medianDeliveriesPerSecond,
      'vs ceiling': `${Math.round((100 * t.medianDeliveriesPerSecond) / result.ceiling.medianDeliveriesPerSecond)}%`,
      'ms (median)': t.medianMs, 'all runs /s': t.deliveriesPerSecond.join(' '), duplicates: t.duplicates, missing: t.missing,
    })),
    {
      setup: 'ceiling: 1 mqtt.js client', 'deliveries/s (median)': result.ceiling.medianDeliveriesPerSecond, 'vs ceiling': '100%',
      'ms (median)': Math.round(result.deliveriesPerRun / (result.ceiling.medianDeliveriesPerSecond / 1000)),
      'all runs /s': result.ceiling.deliveriesPerSecond.join(' '), duplicates: 0, missing: 0,
    },
  ]);
  console.log(`kill -9 of one of 2 nodes at ~35% of a run (claim idle ${result.claimIdleMs} ms):`);
  console.table(result.recovery.runs.map((r) => ({
    'kill → full delivery ms': r.killToFullDeliveryMs, 'entries held by victim': r.victimHeld,
    duplicates: r.duplicates, missing: r.missing,
  })));
  console.log(`median kill → full delivery: ${result.recovery.medianKillToFullDeliveryMs} ms; duplicates in total: ` +
    `${result.recovery.duplicatesTotal}; missing in total: ${result.recovery.missingTotal}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, quick: { type: 'boolean', default: false },
    partitions: { type: 'string', default: '1' }, redis: { type: 'string' }, 'claim-idle-ms': { type: 'string' } } });
  runScaling({
    runs: Number(values.runs), quick: values.quick, partitions: Number(values.partitions), redisUrl: values.redis,
    claimIdleMs: values['claim-idle-ms'] === undefined ? undefined : Number(values['claim-idle-ms']),
  }).then((result) => {
    printTable(result);
    process.exit(0);
  }, (err) => {
    console.error(err);
    process.exit(1);
  });
}
