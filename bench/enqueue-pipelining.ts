/**
 * Concurrent enqueues per second into the Redis stream queue, with the producer connection's auto-pipelining on (as
 * shipped) and off (one round trip per command, as before issue 11): `CONCURRENCY` enqueues kept in flight, as many
 * concurrent API requests would, for group broadcasts (the ordering script, EVALSHA) and notifications (plain XADD),
 * on 1 and 3 partitions. Runs interleave the configurations; medians of `--runs`. The scripts are left out of
 * auto-pipelining (src/redis/client.ts), so "on" and "off" differ for notifications only.
 *
 *   npx tsx bench/enqueue-pipelining.ts [--runs 3] [--count 20000] [--concurrency 64]
 *
 * Starts its own redis-server on a free loopback port (no persistence) and stops it by pid.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { RedisStreamQueue } from '../src/queue/redis.ts';
import { REDIS_SERVER, redisUrlOf, startRedis } from '../test/support/local-server.ts';
import { median } from './stats.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, count: { type: 'string', default: '20000' },
  concurrency: { type: 'string', default: '64' } } });
const [RUNS, COUNT, CONCURRENCY] = [Number(values.runs), Number(values.count), Number(values.concurrency)];

interface Case { label: string; autoPipelining: boolean; keyed: boolean; partitions: number }
const cases: Case[] = [1, 3].flatMap((partitions) => [true, false].flatMap((keyed) => [false, true].map((autoPipelining) => ({
  label: `${keyed ? 'group (script)' : 'notification (XADD)'}, ${partitions} partition${partitions > 1 ? 's' : ''}, pipelining ${autoPipelining ? 'on' : 'off'}`,
  autoPipelining, keyed, partitions,
}))));

async function measure(url: string, c: Case, run: number): Promise<number> {
  const stream = `bench:pipelining:${run}:${c.label.replace(/\W+/g, '-')}`;
  const queue = new RedisStreamQueue({ ...loadConfig({ DINO_REDIS_URL: url }).redis!, stream, partitions: c.partitions },
    { autoPipelining: c.autoPipelining });
  await queue.connect();
  const payload = JSON.stringify({ event_type: 'message', text: 'x'.repeat(200) });
  let next = 0;
  const worker = async () => {
    while (next < COUNT) {
      const i = next++;
      await queue.enqueue({ payload, userIds: [1, 2, 3, 4, 5], ...(c.keyed ? { orderKey: `group-${i % 100}` } : {}) });
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const perSecond = COUNT / ((performance.now() - began) / 1000);
  await queue.close();
  return perSecond;
}

if (!REDIS_SERVER) throw new Error('redis-server is not installed');
const dir = mkdtempSync(join(tmpdir(), 'dino-bench-pipelining-'));
const redis = await startRedis(REDIS_SERVER, dir);
try {
  const results = new Map<string, number[]>(cases.map((c) => [c.label, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const c of cases) results.get(c.label)!.push(await measure(redisUrlOf(redis), c, run));
  }
  console.log(`enqueues/s, ${COUNT} per run, ${CONCURRENCY} in flight, median of ${RUNS} (runs)`);
  for (const [label, perSecond] of results) {
    console.log(`${label.padEnd(58)} ${Math.round(median(perSecond)).toString().padStart(7)}  (${perSecond.map(Math.round).join(', ')})`);
  }
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
