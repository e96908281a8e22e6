/**
 * Fan-out of one notification through `dino start`, from the POST to the users' arrival, with the embedded broker
 * and with an external Mosquitto (127.0.0.1:1883, a unique topic prefix so nobody else's topics are touched).
 *
 *   npm run build && npx tsx bench/fanout-100k.ts [--runs 3] [--brokers embedded,mosquitto] [--sizes 5000,100000] [--observer]
 *
 * 5 000 recipients: all subscribed. 100 000 recipients: a sample of 2 000 evenly spread subscribers (the last id
 * included: each worker lane publishes its ids in list order, so the sample's last arrival is close to the end of the
 * whole fan-out); the others are topics without subscribers. `--observer` adds, with Mosquitto only, a wildcard
 * subscriber (QoS 0, prefix + `#`) timing the very last PUBLISH of all. It confirmed the sample's last arrival is within
 * ~10 ms of that, but costs ~0.4 s of CPU on this 2-core box (the broker and this process deliver 100 000 more
 * messages), so it is off by default.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from 'mqtt';
import { api, startDino, type DinoProcess } from '../test/helpers/dino-process.js';
import { SubscriberFarm } from '../test/helpers/subscriber-farm.js';

const MOSQUITTO = 'mqtt://127.0.0.1:1883';
const SAMPLE = 2000;
const now = () => performance.timeOrigin + performance.now();
let withObserver = false;

interface Scenario {
  broker: 'embedded' | 'mosquitto';
  recipients: number;
}

interface Result {
  postMs: number;
  firstMs: number;
  lastSampleMs: number;
  allPublishedMs?: number;
  rssBeforeMb: number;
  rssMaxMb: number;
  subscribed: number;
  missing: number;
  duplicates: number;
  troubles: string[];
}

function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every `stride`-th id counted from the end, so the last id is always in. */
function spreadSample(ids: number[], size: number): number[] {
  if (size >= ids.length) return ids;
  const stride = ids.length / size;
  return Array.from({ length: size }, (_, k) => ids[Math.round(ids.length - 1 - k * stride)]!).reverse();
}

/**
 * Idle Piscina workers sleep in Atomics.wait, so their MQTT connections only open during a first task (and /readyz
 * says "broker down" until then): a warm-up broadcast to ids nobody uses, over every worker, keeps that out of the
 * measurement.
 */
async function warmUp(dino: DinoProcess, base: number): Promise<void> {
  const ids = Array.from({ length: 4000 }, (_, i) => base - 1 - i);
  const sent = await api(dino.base, 'POST', '/v1/notification/send', { event_type: 'warm-up', notification: [{ user_ids: ids, data: {} }] });
  if (sent.status !== 201) throw new Error(`warm-up POST: ${sent.status} ${JSON.stringify(sent.body)}`);
  await new Promise((resolve) => setTimeout(resolve, 1000));
}

/** A QoS 0 subscriber to the whole prefix: counts every publish and keeps the last arrival time. */
async function observe(prefix: string, expected: number) {
  const client = connect(MOSQUITTO, { clientId: `bench-observer-${process.pid}-${Math.random().toString(36).slice(2)}`, clean: true });
  const state = { count: 0, last: 0 };
  client.on('message', () => {
    state.count++;
    state.last = now();
  });
  await new Promise<void>((resolve, reject) => {
    client.once('error', reject);
    client.once('connect', () => client.subscribe(prefix + '#', { qos: 0 }, (err) => (err ? reject(err) : resolve())));
  });
  return {
    async done(timeoutMs: number): Promise<number | undefined> {
      const deadline = Date.now() + timeoutMs;
      while (state.count < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      await client.endAsync(true);
      return state.count >= expected ? state.last : undefined;
    },
  };
}

async function runOnce({ broker, recipients }: Scenario): Promise<Result> {
  const prefix = broker === 'mosquitto' ? `bench/${process.pid}-${Math.random().toString(36).slice(2, 10)}/` : '';
  // Ids far from anyone else's, since on a shared Mosquitto the client id is the user id.
  const base = 1e12 + Math.floor(Math.random() * 8e12);
  const userIds = Array.from({ length: recipients }, (_, i) => base + i);
  const subscribers = spreadSample(userIds, recipients > 5000 ? SAMPLE : recipients);
  const dataDir = mkdtempSync(join(tmpdir(), 'dino-bench-'));
  const env: Record<string, string> = { DINO_DATA_DIR: dataDir };
  if (broker === 'mosquitto') Object.assign(env, { DINO_MQTT_URL: MOSQUITTO, DINO_MQTT_TOPIC_PREFIX: prefix });
  const dino = await startDino('start', env);
  let farm: SubscriberFarm | undefined;
  try {
    const url = broker === 'mosquitto' ? MOSQUITTO : `mqtt://127.0.0.1:${dino.mqttPort}`;
    farm = await SubscriberFarm.start({ url, userIds: subscribers, processes: 4, topicPrefix: prefix });
    await farm.ready(120_000);
    await warmUp(dino, base);
    const observer = broker === 'mosquitto' && withObserver ? await observe(prefix, recipients) : undefined;
    const pid = dino.child.pid!;
    const rssBeforeMb = rssMb(pid);
    let rssMaxMb = rssBeforeMb;
    const sampler = setInterval(() => (rssMaxMb = Math.max(rssMaxMb, rssMb(pid))), 50);
    const logsBefore = dino.logs.length;
    const body = JSON.stringify({ event_type: 'notice', notification: [{ user_ids: userIds, data: { text: 'hi', seq: 1, sent_at: Date.now() } }] });
    const postedAt = now();
    const sent = await api(dino.base, 'POST', '/v1/notification/send', body);
    const postMs = now() - postedAt;
    if (sent.status !== 201 || sent.body.recipients !== recipients) throw new Error(`POST: ${sent.status} ${JSON.stringify(sent.body)}`);
    await farm.waitForDeliveries(subscribers.length, 180_000).catch((err: Error) => console.error(err.message));
    const allPublishedAt = await observer?.done(60_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    clearInterval(sampler);
    const report = await farm.report(1);
    return {
      postMs, firstMs: report.firstArrival! - postedAt, lastSampleMs: report.lastArrival! - postedAt,
      allPublishedMs: allPublishedAt === undefined ? undefined : allPublishedAt - postedAt,
      rssBeforeMb, rssMaxMb, subscribed: subscribers.length, missing: report.missing, duplicates: report.duplicates,
      troubles: dino.logs.slice(logsBefore).filter((line) => /"level":(4|5|6)\d/.test(line)),
    };
  } finally {
    await farm?.stop({ purgeSessions: broker === 'mosquitto' });
    const code = await dino.stop();
    if (code !== 0) console.error(`dino exited with ${code}:\n${dino.logs.slice(-20).join('\n')}`);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const ms = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(0));

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    runs: { type: 'string', default: '3' },
    brokers: { type: 'string', default: 'embedded,mosquitto' },
    sizes: { type: 'string', default: '5000,100000' },
    observer: { type: 'boolean', default: false },
  } });
  withObserver = values.observer;
  const scenarios: Scenario[] = values.brokers.split(',').flatMap((broker) =>
    values.sizes.split(',').map((size) => ({ broker: broker as Scenario['broker'], recipients: Number(size) })));
  const results = new Map<Scenario, Result[]>(scenarios.map((s) => [s, []]));
  // Rounds interleave the scenarios so a slow patch of the machine does not land on one of them only.
  for (let run = 1; run <= Number(values.runs); run++) {
    for (const scenario of scenarios) {
      const result = await runOnce(scenario);
      results.get(scenario)!.push(result);
      console.log(`run ${run} ${scenario.broker} ${scenario.recipients}: POST ${ms(result.postMs)} ms, first ${ms(result.firstMs)} ms, ` +
        `last sampled ${ms(result.lastSampleMs)} ms, all published ${ms(result.allPublishedMs)} ms, RSS ${ms(result.rssBeforeMb)} → ` +
        `${ms(result.rssMaxMb)} MB, missing ${result.missing}/${result.subscribed}, duplicates ${result.duplicates}` +
        (result.troubles.length ? `\n  dino warnings/errors:\n  ${result.troubles.join('\n  ')}` : ''));
    }
  }
  console.log(`\nmedians of ${values.runs} runs (ms from POST; RSS of the dino process in MB)`);
  console.table(scenarios.map((s) => {
    const rs = results.get(s)!;
    const med = (pick: (r: Result) => number | undefined) => {
      const vs = rs.map(pick).filter((v): v is number => v !== undefined);
      return vs.length ? Math.round(median(vs)) : '-';
    };
    return {
      broker: s.broker, recipients: s.recipients, subscribed: rs[0]?.subscribed, 'POST 201': med((r) => r.postMs),
      'first delivery': med((r) => r.firstMs), 'last sampled delivery': med((r) => r.lastSampleMs),
      'all published (observer)': med((r) => r.allPublishedMs), 'RSS idle': med((r) => r.rssBeforeMb), 'RSS max': med((r) => r.rssMaxMb),
      'missing+dup': rs.reduce((n, r) => n + r.missing + r.duplicates, 0),
    };
  }));
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
