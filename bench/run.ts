/**
 * `npm run bench [-- --quick]`: Dino's fan-out, ingestion and scaling, each beside the raw ceiling of the part it
 * stands on, measured in the same run. Progress on stderr; the tables on stdout; JSON, Markdown and an SVG chart
 * in bench/results/ (quick or narrowed runs: bench/results/tmp/, which git ignores).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { BEST_RAW_MQTT } from './baselines/raw-mqtt.js';
import type { BenchResults, FanoutResult } from './model.js';
import { readOptions, type BenchOptions } from './options.js';
import { endProgress, note } from './progress.js';
import { chartSvg } from './report/chart.js';
import { allTables, markdownSummary } from './report/markdown.js';
import { renderText } from './report/tables.js';
import { checkTargets, ratioLines } from './report/targets.js';
import { runFanout } from './scenarios/fanout.js';
import { runIngest, type IngestOutput } from './scenarios/ingest.js';
import { runConversations } from './scenarios/conversations.js';
import { configureAllDinos, profileDinoInto, RESULTS_DIR } from './support/dino.js';
import { ensureBuilt, probeServices, type Services } from './support/preflight.js';

const SCALING = new URL('./scaling.ts', import.meta.url);

function stamp(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
}

/** Drops what the running services cannot serve, with a loud note; under CI=true a missing service is an error. */
function applyServices(options: BenchOptions, services: Services, notes: string[]): void {
  const missing = (what: string, service: string) => {
    const message = `${service} is not reachable: ${what} skipped`;
    if (process.env.CI === 'true') throw new Error(`${message} (CI=true requires it)`);
    note(`!!! ${message}`);
    notes.push(message);
  };
  if (!services.mosquitto && options.brokers.includes('mosquitto')) {
    missing('fan-out against Mosquitto', 'Mosquitto (127.0.0.1:1883)');
    options.brokers = options.brokers.filter((b) => b !== 'mosquitto');
  }
  if (!(services.cassandra && services.redis) && options.storages.includes('cassandra')) {
    missing('ingestion on Cassandra + Redis and scaling', 'Cassandra (127.0.0.1:9042) or Redis (127.0.0.1:6379)');
    options.storages = options.storages.filter((s) => s !== 'cassandra');
  }
  if (!services.redis && options.sections.includes('scaling')) options.sections = options.sections.filter((s) => s !== 'scaling');
}

async function runScaling(options: BenchOptions, notes: string[]): Promise<unknown> {
  if (!existsSync(SCALING)) {
    // HOOK: bench/scaling.ts (1/2/3 `dino fanout` processes on Redis) is written separately; once it exists it runs here.
    const message = 'bench/scaling.ts is not there yet: scaling (1/2/3 `dino fanout` processes) skipped';
    note(message);
    notes.push(message);
    return undefined;
  }
  const module = (await import(SCALING.href)) as { runScaling?: (o: { runs: number; quick: boolean }) => Promise<unknown> };
  if (typeof module.runScaling !== 'function') throw new Error('bench/scaling.ts does not export runScaling({ runs, quick })');
  return module.runScaling({ runs: options.runs, quick: options.quick });
}

function describe(options: BenchOptions, fanout: FanoutResult[]): string[] {
  const dino = loadConfig({ ...options.dinoEnv });
  const notes = [
    `Raw mqtt.js baseline: one process, ${BEST_RAW_MQTT.connections} connections × ${BEST_RAW_MQTT.window} PUBLISHes in flight each `
      + '(the best of the sweep in bench/tune-raw-mqtt.ts); each connection owns a fixed share of the users, so per-user order holds.',
    `Fan-out runs alternate Dino first / baseline first. Dino (\`dino start\`) runs with ${dino.fanOut.workers} worker threads, `
      + `${dino.mqtt.connections} MQTT connections per worker, ${dino.mqtt.inflightWindow} PUBLISHes in flight each; Mosquitto runs `
      + 'use a unique topic prefix and user ids ≥ 1e12, and purge the persistent sessions afterwards.',
  ];
  const notification = options.fanout.find((s) => s.kind === 'notification');
  if (notification) {
    notes.push(`100k notification: ${notification.subscribers} of the ${notification.users} recipients subscribe, evenly spread with the `
      + 'last id in (each worker lane publishes its ids in list order, so the sample\'s last arrival marks the end of the fan-out); '
      + '"accept → last delivery" stands for accept → last PUBACK. Group scenarios: every member subscribes.');
  }
  for (const r of fanout) {
    if (r.troubles.length > 0) notes.push(`fan-out ${r.broker} ${r.scenario.id}: Dino logged ${r.troubles.length} warnings/errors, e.g. \`${r.troubles[0]!.slice(0, 200)}\``);
  }
  return notes;
}

/** Prints the tables and writes `<base>.json`, `.md` and `.svg`. */
function publish(results: BenchResults, base: string): void {
  console.log(`\n${allTables(results).map(renderText).join('\n\n')}\n`);
  writeFileSync(`${base}.json`, JSON.stringify(results, null, 2) + '\n');
  writeFileSync(`${base}.svg`, chartSvg(results));
  writeFileSync(`${base}.md`, markdownSummary(results, `${basename(base)}.svg`));
  console.log(`results: ${base}.json, .md, .svg`);
}

async function main(): Promise<void> {
  const rendering = process.argv.indexOf('--render');
  if (rendering >= 0) {
    // Re-renders a finished run's tables, Markdown and chart from its JSON (after a change to the report code).
    const file = process.argv[rendering + 1] ?? '';
    return publish(JSON.parse(readFileSync(file, 'utf8')) as BenchResults, file.replace(/\.json$/, ''));
  }
  const options = readOptions(process.argv.slice(2));
  const date = stamp();
  const outDir = options.partial ? join(RESULTS_DIR, 'tmp') : RESULTS_DIR;
  if (options.profile) profileDinoInto(join(RESULTS_DIR, 'tmp', `profiles-${date}`));
  configureAllDinos(options.dinoEnv);
  const notes: string[] = [];
  if (Object.keys(options.dinoEnv).length > 0) notes.push(`Dino ran with ${Object.entries(options.dinoEnv).map(([k, v]) => `${k}=${v}`).join(', ')}.`);
  note(`dino bench${options.quick ? ' --quick' : ''}: ${options.runs} run(s) per figure; building if needed`);
  ensureBuilt();
  applyServices(options, await probeServices(), notes);
  const load = loadavg();
  const fanout = options.sections.includes('fanout')
    ? await runFanout({ brokers: options.brokers, scenarios: options.fanout, runs: options.runs, timeoutMs: options.fanoutTimeoutMs })
    : [];
  const ingest: IngestOutput = options.sections.includes('ingest')
    ? await runIngest({ storages: options.storages, connections: options.connections, runs: options.runs, seconds: options.loadSeconds, warmupSeconds: options.warmupSeconds })
    : { ingest: [], baselines: [] };
  const scaling = options.sections.includes('scaling') ? await runScaling(options, notes) : undefined;
  const conversations = options.sections.includes('conversations')
    ? await runConversations({ storages: options.storages, runs: options.runs, seconds: options.loadSeconds, connections: 10 })
    : undefined;
  const measured = { fanout, ...ingest };
  const ratios = ratioLines(measured);
  const results: BenchResults = {
    date, quick: options.quick, runs: options.runs,
    machine: { cpus: availableParallelism(), node: process.versions.node, load },
    ...measured, ratios, scaling, conversations, targets: checkTargets({ ...measured, ratios }), notes: [...describe(options, fanout), ...notes],
  };
  endProgress();
  mkdirSync(outDir, { recursive: true });
  publish(results, join(outDir, date));
}

main().then(() => process.exit(0), (err) => {
  endProgress();
  console.error(err);
  process.exit(1);
});
