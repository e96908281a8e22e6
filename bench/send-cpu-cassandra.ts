/**
 * CPU per send of `dino server` (Cassandra + Redis, no fan-out node consumes the stream), split by process: Dino
 * (and its main thread), the load generator (autocannon, in this process), Cassandra and Redis; beside the raw
 * cassandra-driver INSERT loop of the same row (bench/baselines/raw-cassandra.ts) at the same concurrency. A fixed
 * number of operations (or a fixed time) per run, CPU seconds from /proc, divided by the operations that succeeded.
 * CPU time, unlike req/s, holds on a machine other runs share; on two cores every process's CPU is taken from the
 * others', so the split shows where a send's cost lies. The Cassandra and Redis processes are found by the port they
 * listen on.
 *
 *   npx tsx bench/send-cpu-cassandra.ts [--sends 20000 | --seconds 8] [--connections 50] [--runs 3] [--profile <dir>]
 *
 * Each run also prints its rate and how much of the machine's CPU stayed idle meanwhile: a closed loop at a fixed
 * concurrency that leaves CPU idle is held up by waiting (round trips, wake-ups), not by work. `--seconds` runs each
 * load for that long instead of for a number of operations, for a rate that does not depend on where autocannon's
 * one-second ticks fall (a run of `--sends` ends on one).
 *
 * `--profile <dir>`: V8 CPU profiles of Dino's threads (summarise with bench/profile-summary.ts).
 */
import { RawCassandraInserts } from './baselines/raw-cassandra.js';
import type { LoadRun } from './load/http-load.js';
import { createBenchBackends, CASSANDRA_CONTACT_POINT } from './support/backends.js';
import { launchDino } from './support/dino.js';
import { probeOptions } from './support/probe-options.js';
import { groupSendLoad } from './support/send-load.js';
import { cpuSeconds, listenerPid, machineTicks, threadCpuSeconds, waitUntilIdle } from './support/proc.js';
import { figure } from './stats.js';

const { sends, seconds: loadSeconds, connections, runs } = probeOptions([], { timed: true });

type Split = Record<'dino' | 'dinoMain' | 'bench' | 'cassandra' | 'redis', number>;

const backends = await createBenchBackends();
const dino = await launchDino('server', backends.env);
const raw = await RawCassandraInserts.open(CASSANDRA_CONTACT_POINT, backends.keyspace);
try {
  const [cassandraPid, redisPid] = [listenerPid(9042), listenerPid(6379)];
  if (cassandraPid === undefined || redisPid === undefined) process.stderr.write('Cassandra or Redis process not found: its CPU reads as NaN\n');
  const seconds = (pid: number | undefined) => (pid === undefined ? Number.NaN : cpuSeconds(pid));
  const split = (): Split => ({ dino: seconds(dino.pid), dinoMain: threadCpuSeconds(dino.pid).get(dino.pid)?.seconds ?? Number.NaN,
    bench: seconds(process.pid), cassandra: seconds(cassandraPid), redis: seconds(redisPid) });

  const load = await groupSendLoad(dino.base, connections);
  // A number of operations (--sends), or as many as --seconds allow.
  const [amount, limitSeconds] = loadSeconds === undefined ? [sends, 600] : [undefined, loadSeconds];
  const kinds: Record<string, () => Promise<LoadRun>> = {
    send: () => load(amount, 'send', limitSeconds),
    insert: () => raw.run(connections, limitSeconds, 'insert', undefined, amount ?? Infinity),
  };
  for (const run of Object.values(kinds)) await run(); // warm-up
  const rows: Record<string, Split[]> = { send: [], insert: [] };
  const rates: Record<string, Array<{ perSecond: number; idlePercent: number }>> = { send: [], insert: [] };
  for (let run = 1; run <= runs; run++) {
    for (const [kind, go] of Object.entries(kinds)) {
      await waitUntilIdle(cassandraPid ?? dino.pid);
      const before = split();
      const ticks = machineTicks();
      const result = await go();
      const after = split();
      const ticksAfter = machineTicks();
      const done = result.succeeded;
      const rate = { perSecond: result.rps, idlePercent: (100 * (ticksAfter.idle - ticks.idle)) / (ticksAfter.total - ticks.total) };
      rates[kind]!.push(rate);
      const row = Object.fromEntries(Object.keys(before).map((k) => {
        const key = k as keyof Split;
        return [key, ((after[key] - before[key]) * 1e6) / done];
      })) as Split;
      rows[kind]!.push(row);
      process.stderr.write(`run ${run} ${kind}: ${Object.entries(row).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')} µs per operation; `
        + `${rate.perSecond.toFixed(0)}/s, machine ${rate.idlePercent.toFixed(0)}% idle\n`);
    }
  }
  const medians = Object.fromEntries(Object.entries(rows).map(([kind, list]) => [kind,
    Object.fromEntries(Object.keys(list[0]!).map((k) => [k, Math.round(figure(list.map((r) => r[k as keyof Split])).median)]))]));
  const rateMedians = Object.fromEntries(Object.entries(rates).map(([kind, list]) => [kind, {
    perSecond: Math.round(figure(list.map((r) => r.perSecond)).median), idlePercent: Math.round(figure(list.map((r) => r.idlePercent)).median) }]));
  process.stdout.write(`${JSON.stringify({ sends: amount ?? null, seconds: loadSeconds ?? null, connections, runs,
    cpuMicrosPerOperation: medians, rates: rateMedians })}\n`);
} finally {
  await raw.close();
  await dino.close();
  await backends.drop();
}
