/**
 * Instructions per send, counted by valgrind's callgrind: a measure of the send path's CPU work that holds on a busy
 * machine, where CPU time moves by ±20% between runs of the same code and req/s more. Runs the send path of
 * `dino start` without HTTP and without the broker's thread (bench/support/core-send-loop.ts, bundled by esbuild so
 * that no TypeScript loader runs under valgrind): a warm-up, after which V8's optimising compiler is done with the
 * functions run once per turn, then the measured sends, with callgrind counting only while they run
 * (callgrind_control switches it on and off). Node runs with V8's deterministic flags (one thread, a fixed GC
 * schedule, fixed hash and random seeds), so that runs of the same code agree closely; the spread is printed.
 *
 *   npx tsx bench/send-instructions.ts [--sends 20000] [--warm-up 40000] [--runs 2] [--keep <dir> [--names]]
 *
 * `--keep <dir>`: the callgrind files are copied there (read them with `callgrind_annotate --inclusive=yes`), with
 * the bundle that ran.
 * `--names`: node also writes its map of compiled JavaScript functions (--perf-basic-prof), copied beside them, so
 * that `callgrind_annotate … | npx tsx bench/callgrind-names.ts <dir>/perf-<run>.map` names what callgrind shows as
 * bare addresses. V8 then logs each move of compiled code: about 1% more instructions.
 *
 * Needs valgrind (Debian's package). A run takes a few minutes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { figure } from './stats.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({ options: {
  sends: { type: 'string', default: '20000' }, 'warm-up': { type: 'string', default: '40000' }, runs: { type: 'string', default: '2' },
  keep: { type: 'string' }, names: { type: 'boolean', default: false } } });
const [sends, warmUp, runs] = [Number(values.sends), Number(values['warm-up']), Number(values.runs)];
const NODE_FLAGS = ['--predictable', '--predictable-gc-schedule', '--hash-seed=1', '--random-seed=1',
  ...(values.names ? ['--perf-basic-prof'] : [])];
if (values.names && !values.keep) throw new Error('--names needs --keep <dir>');

// Inside the checkout (bench/results/tmp is ignored by git), so that the bundle's packages resolve to its node_modules.
const out = join(ROOT, 'bench/results/tmp', `core-send-loop-${process.pid}`);
mkdirSync(out, { recursive: true });
const bundle = join(out, 'core-send-loop.mjs');
execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [join(ROOT, 'bench/support/core-send-loop.ts'), '--bundle', '--platform=node',
  '--format=esm', '--packages=external', `--outfile=${bundle}`, '--log-level=warning'], { stdio: 'inherit' });

/** Instructions counted while the `sends` measured sends ran. */
async function measuredInstructions(run: number): Promise<number> {
  const child = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(out, `callgrind.${run}`)}`,
    '--smc-check=all-non-file', process.execPath, ...NODE_FLAGS, bundle, String(sends), String(warmUp), '--ask'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  for await (const line of createInterface({ input: child.stdout })) {
    // The node process is valgrind's own (valgrind runs it in place): callgrind_control finds it by that pid.
    if (line === 'measure') execFileSync('callgrind_control', ['--instr=on', String(child.pid)], { stdio: 'ignore' });
    if (line === 'done') execFileSync('callgrind_control', ['--instr=off', String(child.pid)], { stdio: 'ignore' });
    if (line === 'measure' || line === 'done') child.stdin.write('\n');
  }
  const code = await exited;
  if (values.names) cpSync(`/tmp/perf-${child.pid}.map`, join(values.keep!, `perf-${run}.map`));
  const collected = /Collected : (\d+)/.exec(stderr);
  if (code !== 0 || !collected) throw new Error(`the callgrind run failed (exit ${code}):\n${stderr.slice(-2000)}`);
  return Number(collected[1]);
}

try {
  const perSend: number[] = [];
  for (let run = 1; run <= runs; run++) {
    perSend.push((await measuredInstructions(run)) / sends);
    process.stderr.write(`run ${run}/${runs}: ${Math.round(perSend.at(-1)!)} instructions per send (${sends} sends after ${warmUp})\n`);
  }
  const { median, min, max } = figure(perSend);
  console.log(JSON.stringify({ sends, warmUp, runs, instructionsPerSend: Math.round(median), spread: Math.round(max - min) }));
  if (values.keep) {
    for (let run = 1; run <= runs; run++) cpSync(join(out, `callgrind.${run}`), join(values.keep, `callgrind.${run}`));
    cpSync(bundle, join(values.keep, 'core-send-loop.mjs')); // the file the names' line numbers are in
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
