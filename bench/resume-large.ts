/**
 * Duplicates after kill -9 of the node publishing one large notification: 100 000 recipients, of whom every 20th
 * (5 000) is a subscribed user of a multi-process farm, so duplicates are counted on a 1-in-20 sample and scaled up.
 * The node holding the broadcast is killed once the sample reached `--at` (default 50 %); the other node takes it
 * over through the lapsed liveness and, with recorded progress (issue 14, part 2), publishes only the chunks not yet
 * acknowledged. Without it, every recipient reached before the kill would get the event again.
 *
 *   npm run build && npx tsx bench/resume-large.ts [--runs 3] [--at 0.5]
 *
 * Needs Redis on 127.0.0.1:6379 and Mosquitto on 127.0.0.1:1883; everything is namespaced by a random tag.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { api, isRunning, startDino, type DinoProcess } from '../test/support/dino-process.js';
import { pidOfConsumer, StreamAdmin } from '../test/support/stream-admin.js';
import { SubscriberFarm } from '../test/support/subscriber-farm.js';
import { sleep, until } from '../test/support/wait.js';
import { median } from './stats.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, at: { type: 'string', default: '0.5' } } });
const [RUNS, AT] = [Number(values.runs), Number(values.at)];
const REDIS_URL = 'redis://127.0.0.1:6379';
const MQTT_URL = 'mqtt://127.0.0.1:1883';
const RECIPIENTS = 100_000;
const SAMPLE_EVERY = 20;

const tag = randomBytes(4).toString('hex');
const stream = `dino:bench:${tag}`;
const group = `dino-bench-${tag}`;
const prefix = `bench/${tag}/`;
const base = 1_000_000_000_000 + Math.floor(Math.random() * 1e9) * 1_000_000;
const recipients = Array.from({ length: RECIPIENTS }, (_, i) => base + i);
const sampled = recipients.filter((_, i) => i % SAMPLE_EVERY === 0);
const env = { DINO_REDIS_URL: REDIS_URL, DINO_STREAM: stream, DINO_STREAM_GROUP: group, DINO_MQTT_URL: MQTT_URL, DINO_MQTT_TOPIC_PREFIX: prefix };
const dataDir = mkdtempSync(join(tmpdir(), 'dino-bench-resume-'));
const streams = new StreamAdmin(REDIS_URL, stream, group, 1);
const server = await startDino('server', { ...env, DINO_DATA_DIR: dataDir });
const farm = await SubscriberFarm.start({ url: MQTT_URL, userIds: sampled, processes: 4, topicPrefix: prefix, progressIntervalMs: 20 });
await farm.ready(120_000);
const fanouts: DinoProcess[] = [];
const results: Array<{ duplicatesEstimated: number; sampleDuplicates: number; publishedBeforeKill: number; resumedChunks: number }> = [];
try {
  for (let run = 1; run <= RUNS; run++) {
    while (fanouts.filter(isRunning).length < 2) fanouts.push(await startDino('fanout', { ...env, DINO_WORKERS: '1' }));
    const nodes = fanouts.filter(isRunning);
    const logsFrom = nodes.map((p) => p.logs.length);
    const before = await farm.report(run - 1);
    const sent = await api(server.base, 'POST', '/v1/notification/send', {
      event_type: 'bench', notification: [{ user_ids: recipients, data: { seq: `r${run}` } }],
    });
    if (sent.status !== 201) throw new Error(`POST: ${sent.status} ${JSON.stringify(sent.body)}`);
    await until('the sample to reach the kill point', () => farm.deliveries - before.deliveries >= AT * sampled.length, 120_000, 5);
    const holder = (await streams.pendingEntries()).map((e) => pidOfConsumer(e.owner))[0];
    const victim = nodes.find((p) => p.child.pid === holder)!;
    const publishedBeforeKill = (farm.deliveries - before.deliveries) * SAMPLE_EVERY;
    process.kill(victim.child.pid!, 'SIGKILL');
    await until('every sampled user to have it', async () => (await farm.report(run)).missing === 0, 120_000, 50);
    await sleep(500); // late duplicates
    await until('nothing pending', async () => (await streams.pendingTotal()) === 0, 30_000);
    const sampleDuplicates = (await farm.report(run)).duplicates - before.duplicates;
    const survivor = nodes.find((p) => p !== victim)!;
    const resumedChunks = survivor.logs.slice(logsFrom[nodes.indexOf(survivor)]).filter((l) => l.includes('resuming broadcast'))
      .reduce((n, l) => n + Number(JSON.parse(l).chunksDone), 0);
    results.push({ duplicatesEstimated: sampleDuplicates * SAMPLE_EVERY, sampleDuplicates, publishedBeforeKill, resumedChunks });
    console.error(`run ${run}: ~${publishedBeforeKill} delivered before the kill; ${resumedChunks} chunks of 1 000 not published again; ` +
      `duplicates ${sampleDuplicates} in the sample ≈ ${sampleDuplicates * SAMPLE_EVERY} of ${RECIPIENTS}`);
    await victim.stop();
  }
} finally {
  await Promise.all(fanouts.filter(isRunning).map((p) => p.stop()));
  await server.stop();
  await farm.stop({ purgeSessions: true });
  await streams.cleanUp();
  rmSync(dataDir, { recursive: true, force: true });
}
console.table(results);
console.log(`median duplicates per kill ≈ ${median(results.map((r) => r.duplicatesEstimated))} of ${RECIPIENTS} ` +
  `(median ≈ ${median(results.map((r) => r.publishedBeforeKill))} delivered before the kill would all come again without progress)`);
process.exit(0);
