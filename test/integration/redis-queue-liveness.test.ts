import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broadcast, Delivery } from '../../src/core/ports/queue.js';
import type { RedisConfig } from '../../src/config.js';
import { RedisStreamQueue } from '../../src/queue/redis.js';
import { PROGRESS_CHUNK } from '../../src/queue/redis-partition.js';
import { redisKeys } from '../../src/redis/keys.js';
import { REDIS_URL, redisConfig } from '../support/redis-config.js';
import { sleep, until } from '../support/wait.js';

const broadcast = (payload: string): Broadcast => ({ payload, userIds: [1] });
const recipients = (count: number) => Array.from({ length: count }, (_, i) => i + 1);
/** Far above anything these tests wait: only a lapsed liveness key can explain a take-over. */
const CLAIM_IDLE_MS = 60_000;
const NODE_TTL_MS = 1000;

describe.skipIf(!REDIS_URL)('Redis stream queue: liveness of fan-out nodes', () => {
  let stream: string;
  let admin: Redis;
  let queues: RedisStreamQueue[];

  const openQueue = async (consumer: string, settings: Partial<RedisConfig> = {}) => {
    const queue = new RedisStreamQueue(redisConfig({ stream, claimIdleMs: CLAIM_IDLE_MS, nodeTtlMs: NODE_TTL_MS, ...settings }),
      { consumer: `${stream}-${consumer}`, blockMs: 100 });
    queues.push(queue);
    await queue.connect();
    return queue;
  };
  const pendingCount = async () => ((await admin.xpending(stream, redisConfig().group)) as [number])[0];
  const aliveKey = (queue: RedisStreamQueue) => redisKeys({ stream }).alive(queue.consumer);

  beforeEach(() => {
    stream = `dino:test:${randomUUID()}`;
    admin = new Redis(REDIS_URL!);
    queues = [];
  });
  afterEach(async () => {
    await Promise.all(queues.map((queue) => queue.close()));
    const leftovers = await admin.keys(`${stream}*`);
    if (leftovers.length > 0) await admin.del(...leftovers);
    await admin.quit();
  });

  it('takes over a crashed node\'s entries within seconds, long before the claim idle time', async () => {
    const taken: string[] = [];
    const a = await openQueue('crashing');
    a.startConsuming(async (b) => {
      taken.push(b.payload);
      await new Promise(() => {}); // never acknowledges
    }, { concurrency: 3 });
    for (const payload of ['one', 'two', 'three']) await a.enqueue(broadcast(payload));
    await until('the node to take all entries', () => taken.length === 3);
    expect(await admin.exists(aliveKey(a))).toBe(1);

    const received: string[] = [];
    const b = await openQueue('survivor');
    b.startConsuming(async (broadcast) => void received.push(broadcast.payload));
    await sleep(2 * NODE_TTL_MS);
    expect(received).toEqual([]); // a is alive: its entries stay its own

    const crashedAt = Date.now();
    a.terminate();
    queues.splice(queues.indexOf(a), 1);
    await until('the survivor to take over', () => received.length === 3, 10_000);
    const takeoverMs = Date.now() - crashedAt;
    console.log(`take-over after a crash: ${takeoverMs} ms (node TTL ${NODE_TTL_MS} ms, claim idle ${CLAIM_IDLE_MS} ms)`);
    expect(takeoverMs).toBeLessThan(10_000);
    expect(received.sort()).toEqual(['one', 'three', 'two']);
    await b.stopConsuming();
    expect(await pendingCount()).toBe(0);
  });

  it('never takes entries from a live node whose broadcast outlasts its liveness TTL', async () => {
    const handled: string[] = [];
    const slow = (who: string) => async (b: Broadcast) => {
      handled.push(`${who}:${b.payload}`);
      await sleep(4 * NODE_TTL_MS);
    };
    const a = await openQueue('slow-a');
    a.startConsuming(slow('a'), { concurrency: 2 });
    await a.enqueue(broadcast('long-1'));
    await a.enqueue(broadcast('long-2'));
    await until('the slow node to take both', () => handled.length === 2);
    const b = await openQueue('idle-b');
    b.startConsuming(slow('b'));
    await sleep(3 * NODE_TTL_MS); // b runs reclaim rounds all along; a's key holds
    await a.stopConsuming();
    expect(await admin.exists(aliveKey(a))).toBe(0); // a graceful stop deletes the key
    await b.stopConsuming();
    expect(handled.sort()).toEqual(['a:long-1', 'a:long-2']); // none delivered twice
    expect(await pendingCount()).toBe(0);
  });

  it('hands the node taking over the chunks a crashed node had acknowledged, and forgets them once acknowledged', async () => {
    const large: Broadcast = { payload: 'large', userIds: recipients(3.5 * PROGRESS_CHUNK) };
    const small: Broadcast = { payload: 'small', userIds: recipients(PROGRESS_CHUNK) };
    const first = new Map<string, Delivery>();
    const crashing = await openQueue('crashing');
    crashing.startConsuming(async (b, delivery) => {
      first.set(b.payload, delivery);
      delivery.progress?.record(0);
      delivery.progress?.record(2);
      await new Promise(() => {}); // dies before the rest is acknowledged
    }, { concurrency: 2 });
    await crashing.enqueue(large);
    await crashing.enqueue(small);
    await until('both broadcasts in hand', () => first.size === 2);
    expect(first.get('small')!.progress).toBeUndefined(); // small ones are not tracked
    expect(first.get('large')!.progress!.done.size).toBe(0);
    await until('the progress recorded', async () => (await admin.keys(`${stream}:progress:*`)).length === 1);

    const resumed = new Map<string, Delivery>();
    const survivor = await openQueue('survivor');
    survivor.startConsuming(async (b, delivery) => void resumed.set(b.payload, delivery));
    crashing.terminate();
    queues.splice(queues.indexOf(crashing), 1);
    await until('the survivor to take both over', () => resumed.size === 2, 10_000);
    expect([...resumed.get('large')!.progress!.done].sort()).toEqual([0, 2]);
    expect(resumed.get('large')!.progress!.chunkSize).toBe(PROGRESS_CHUNK);
    await survivor.stopConsuming();
    expect(await admin.keys(`${stream}:progress:*`)).toEqual([]);
  });
});
