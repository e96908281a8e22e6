/**
 * CPU per send of `dino start` (embedded SQLite, journaled in-process queue, fan-out workers and the embedded broker
 * in one process): loads only the send endpoint, a fixed number of sends per run, then waits until the process is
 * idle again (the fan-out of what it accepted included) and divides the CPU it used by the sends answered 2xx.
 * CPU time, unlike req/s, holds on a machine other runs share. Split by thread: the main thread (HTTP, storage,
 * queue, projector, embedded broker) and the others (fan-out worker threads, V8 and libuv helpers), from
 * /proc/<pid>/task/<tid>/stat. Beside it, how long the run's broadcasts waited from acceptance to their last PUBACK
 * (Dino's `dino_broadcast_duration_seconds`): a fan-out that falls behind the sends shows there, not in CPU.
 *
 *   npx tsx bench/send-cpu.ts [--sends 20000] [--connections 50] [--runs 3] [--by-thread] [--profile <dir>]
 *
 * `--profile <dir>` writes V8 CPU profiles of every Dino thread there (summarise with bench/profile-summary.ts); the
 * profiler's own cost then inflates the figures, so compare profiled runs with profiled runs only.
 * The group is the ingest bench's: the sender and two others, each message published to all three over MQTT.
 */
import { broadcastLagOf } from './support/broadcast-lag.js';
import { launchDino } from './support/dino.js';
import { probeOptions } from './support/probe-options.js';
import { groupSendLoad } from './support/send-load.js';
import { threadCpuSeconds, waitUntilIdle } from './support/proc.js';
import { figure } from './stats.js';

const { sends, connections, runs, flags } = probeOptions(['by-thread']);

/** CPU seconds of the main thread, of all the others together, and by thread name (`--by-thread`). */
function cpuSplit(pid: number): { main: number; others: number; byName: Map<string, number> } {
  let [main, others] = [0, 0];
  const byName = new Map<string, number>();
  for (const [tid, { name, seconds }] of threadCpuSeconds(pid)) {
    if (tid === pid) main += seconds;
    else others += seconds;
    const key = tid === pid ? 'main' : name;
    byName.set(key, (byName.get(key) ?? 0) + seconds);
  }
  return { main, others, byName };
}

const dino = await launchDino('start');
try {
  const load = await groupSendLoad(dino.base, connections);

  await load(Math.min(sends, 5000), 'warm-up');
  await waitUntilIdle(dino.pid);
  const rows: Array<{ total: number; main: number; others: number; rps: number; lagMs: number }> = [];
  for (let run = 1; run <= runs; run++) {
    const lag = await broadcastLagOf(dino.base);
    const before = cpuSplit(dino.pid);
    const result = await load(sends, `run ${run}/${runs}`);
    await waitUntilIdle(dino.pid);
    const after = cpuSplit(dino.pid);
    const { meanMs, p99AtMostMs } = await lag();
    const answered = sends - result.non2xx - result.errors;
    if (result.non2xx + result.errors > 0) process.stderr.write(`run ${run}: ${result.non2xx} non-2xx, ${result.errors} errors\n`);
    const perSend = (seconds: number) => (seconds * 1e6) / answered;
    const row = { main: perSend(after.main - before.main), others: perSend(after.others - before.others), rps: result.rps, total: 0, lagMs: meanMs };
    row.total = row.main + row.others;
    rows.push(row);
    if (flags['by-thread']) {
      const names = [...after.byName].map(([name, seconds]) => `${name} ${perSend(seconds - (before.byName.get(name) ?? 0)).toFixed(0)}`);
      process.stderr.write(`run ${run} by thread name (µs/send): ${names.join(', ')}\n`);
    }
    process.stderr.write(`run ${run}: ${row.total.toFixed(0)} µs/send (main ${row.main.toFixed(0)}, other threads `
      + `${row.others.toFixed(0)}), ${Math.round(row.rps)} req/s; broadcasts waited ${meanMs.toFixed(1)} ms on average, `
      + `p99 ≤ ${p99AtMostMs} ms (acceptance to last PUBACK)\n`);
  }
  const median = (pick: (r: (typeof rows)[number]) => number) => figure(rows.map(pick)).median;
  process.stdout.write(`${JSON.stringify({
    sends, connections, runs,
    cpuMicrosPerSend: { total: median((r) => r.total), main: median((r) => r.main), others: median((r) => r.others) },
    rps: median((r) => r.rps),
    broadcastLagMeanMs: median((r) => r.lagMs),
  })}\n`);
} finally {
  await dino.close();
}
