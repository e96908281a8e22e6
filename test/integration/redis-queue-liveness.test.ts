import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broadcast } from '../../src/core/ports/queue.js';
import type { RedisConfig } from '../../src/config.js';
import { RedisStreamQueue } from '../../src/queue/redis.js';
import { redisKeys } from '../../src/redis/keys.js';
import { REDIS_URL, redisConfig } from '../support/redis-config.js';
import { sleep, until } from '../support/wait.js';

const broadcast = (payload: string): Broadcast => ({ payload, userIds: [1] });
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
});
