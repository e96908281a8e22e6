import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Broadcast, BroadcastHandler } from '../../src/core/ports/queue.js';
import { RedisStreamQueue } from '../../src/queue/redis.js';
import { StreamOrder } from '../../src/queue/redis-order.js';
import { redisKeys } from '../../src/redis/keys.js';
import { withScripts } from '../../src/redis/scripts.js';
import { REDIS_URL, redisConfig } from '../support/redis-config.js';
import { sleep, until } from '../support/wait.js';

describe.skipIf(!REDIS_URL)('Redis stream queue ordering across consumers', () => {
  const stream = `dino:test:${randomUUID()}`;
  const queues: RedisStreamQueue[] = [];
  afterEach(async () => {
    await Promise.all(queues.map((q) => q.close()));
    const admin = new Redis(REDIS_URL!);
    const keys = await admin.keys(`${stream}*`);
    if (keys.length) await admin.del(...keys);
    await admin.quit();
  });

  it('hands one group\'s broadcasts over in queue order even when two consumers with slow handlers share them', async () => {
    const handed = new Map<string, number[]>();
    let done = 0;
    const consumer = (name: string) => {
      const queue = new RedisStreamQueue(redisConfig({ stream }), { consumer: `${stream}-${name}`, blockMs: 50, batch: 4 });
      queues.push(queue);
      // Like a fan-out node: the broadcast is handed on at call time, its publishing takes a while.
      queue.startConsuming((b) => {
        const list = handed.get(b.orderKey!) ?? [];
        list.push(Number(b.payload));
        handed.set(b.orderKey!, list);
        return sleep(Math.random() * 15).then(() => void done++);
      }, { concurrency: 8 });
      return queue;
    };
    const [a] = [consumer('a'), consumer('b')];
    const groups = ['g1', 'g2', 'g3'];
    const perGroup = 40;
    for (let i = 0; i < perGroup; i++) {
      await Promise.all(groups.map((g) => a.enqueue({ payload: String(i), userIds: [1], orderKey: g })));
    }
    await until('every broadcast handled', () => done === groups.length * perGroup, 20_000);
    for (const g of groups) expect(handed.get(g)).toEqual(Array.from({ length: perGroup }, (_, i) => i));
  });

  it('marks a group\'s broadcast done together with its acknowledgement: nothing left pending, the mark at the last one', async () => {
    const config = redisConfig({ stream });
    const queue = new RedisStreamQueue(config, { consumer: `${stream}-marks`, blockMs: 50 });
    queues.push(queue);
    let handled = 0;
    queue.startConsuming(async () => void handled++, { concurrency: 4 });
    for (let i = 0; i < 12; i++) await queue.enqueue({ payload: String(i), userIds: [1], orderKey: 'g-marks' });
    await queue.enqueue({ payload: 'keyless', userIds: [1] });
    const admin = new Redis(REDIS_URL!);
    try {
      await until('every entry acknowledged', async () => handled === 13 && Number((await admin.xpending(stream, config.group) as unknown[])[0]) === 0);
      expect(await admin.get(`${stream}:done:g-marks`)).toBe('12');
      expect(await admin.keys(`${stream}:progress:*`)).toEqual([]);
    } finally {
      await admin.quit();
    }
  });

  it('retries a done mark that failed while its acknowledgement took, until the mark is set', async () => {
    const config = redisConfig({ stream });
    const admin = new Redis(REDIS_URL!);
    const doneKey = `${stream}:done:g-broken`;
    await admin.hset(doneKey, 'not', 'a number'); // the mark's script fails on it (WRONGTYPE); the XACK beside it does not
    const queue = new RedisStreamQueue(config, { consumer: `${stream}-broken`, blockMs: 50 });
    queues.push(queue);
    let handled = 0;
    queue.startConsuming(async () => void handled++, { concurrency: 1 });
    try {
      await queue.enqueue({ payload: 'one', userIds: [1], orderKey: 'g-broken' });
      await until('acknowledged, though not marked', async () => Number((await admin.xpending(stream, config.group) as unknown[])[0]) === 0 && handled === 1);
      expect(await admin.type(doneKey)).toBe('hash');
      await admin.del(doneKey); // the next retry's mark takes
      await until('marked done', async () => (await admin.get(doneKey)) === '1', 10_000);
      expect(handled).toBe(1);
    } finally {
      await admin.quit();
    }
  });

  it('lets a broadcast wait for a predecessor this node holds without reading the done mark; one given up or recorded long ago, it reads it', async () => {
    const client = withScripts(new Redis(REDIS_URL!));
    let reads = 0;
    const get = client.get.bind(client);
    client.get = ((...args: Parameters<typeof get>) => (reads++, get(...args))) as typeof client.get;
    const order = new StreamOrder(client, redisKeys({ stream }), 60_000);
    // Waits shorter than its own: gives up on a predecessor after 300 ms.
    const impatient = new StreamOrder(client, redisKeys({ stream }), 300);
    try {
      await order.awaitTurn('g', 1); // the first of its key: nothing to wait for
      let secondMayGo = false;
      const second = order.awaitTurn('g', 2).then(() => void (secondMayGo = true));
      await sleep(30);
      expect(secondMayGo).toBe(false); // 1 is held here and not handed off yet
      order.handedOff('g', 1, Date.now());
      await second;
      order.handedOff('g', 2, Date.now());
      await order.awaitTurn('g', 3); // 2 was handed off here: known without Redis
      expect(reads).toBe(0);
      await impatient.awaitTurn('h', 1);
      const next = impatient.awaitTurn('h', 2);
      impatient.gaveUp('h', 1); // 1 failed before its hand-off: whether it is done elsewhere only Redis knows
      await next; // its mark never comes: 2 goes after the 300 ms wait, out of order
      expect(reads).toBeGreaterThan(0);
      // A hand-off recorded for a broadcast accepted 13 hours ago may predate the key's counter starting over (it
      // expires after a quiet day): broadcast 2 of the new count asks Redis whether 1 is done, and waits for it.
      order.handedOff('old', 500, Date.now() - 13 * 3600_000);
      const before = reads;
      let newSecondMayGo = false;
      const newSecond = order.awaitTurn('old', 2).then(() => void (newSecondMayGo = true));
      await until('the done mark read', () => reads > before);
      expect(newSecondMayGo).toBe(false);
      await client.set(`${stream}:done:old`, '1');
      await newSecond; // goes once the mark says 1 is done
    } finally {
      client.disconnect();
    }
  });

  it('numbers the broadcasts of one turn 1, 2, 3… per group in stream order, however the groups interleave', async () => {
    const queue = new RedisStreamQueue(redisConfig({ stream }), { consumer: `${stream}-numbering` });
    queues.push(queue);
    await queue.connect();
    // Two turns of concurrent enqueues (each turn one script call), three groups interleaved, keyless ones between.
    const turn = (from: number) => Promise.all(Array.from({ length: 30 }, (_, i) => queue.enqueue({
      payload: String(from + i), userIds: [1], ...(i % 7 === 3 ? {} : { orderKey: `g${i % 3}` }) })));
    await turn(0);
    await turn(100);
    const admin = new Redis(REDIS_URL!);
    const entries = await admin.xrange(stream, '-', '+');
    await admin.quit();
    const seqs = new Map<string, number[]>();
    for (const [, fields] of entries) {
      const field = (name: string) => fields[fields.indexOf(name) + 1];
      if (!fields.includes('k')) continue;
      seqs.set(field('k')!, [...(seqs.get(field('k')!) ?? []), Number(field('s'))]);
    }
    expect([...seqs.keys()].sort()).toEqual(['g0', 'g1', 'g2']);
    for (const [, numbers] of seqs) expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
    expect([...seqs.values()].reduce((n, list) => n + list.length, 0)).toBe(2 * (30 - 4));
  });

  it('replays a dead group broadcast with its order key, without waiting for a predecessor long done', async () => {
    const orderWaitMs = 4000;
    const open = (name: string, handler: BroadcastHandler) => {
      const queue = new RedisStreamQueue(redisConfig({ stream, claimIdleMs: 300, maxAttempts: 2, orderWaitMs }),
        { consumer: `${stream}-${name}`, blockMs: 50 });
      queues.push(queue);
      queue.startConsuming(handler);
      return queue;
    };
    const failing = open('failing', async (b) => {
      if (b.payload === 'doomed') throw new Error('broker said no');
    });
    for (const payload of ['first', 'doomed']) await failing.enqueue({ payload, userIds: [1], orderKey: 'g' });
    await until('the dead letter', async () => (await failing.listDeadLetters()).length === 1, 10_000);
    await failing.stopConsuming();

    // Another node, which never saw the group's earlier broadcasts, replays it and goes on with the group.
    const handed: Broadcast[] = [];
    const node = open('replaying', async (b) => void handed.push(b));
    await node.connect();
    const started = Date.now();
    expect((await node.replayDeadLetters()).replayed).toHaveLength(1);
    await node.enqueue({ payload: 'next', userIds: [1], orderKey: 'g' });
    await until('the replayed and the next broadcast', () => handed.length === 2, 10_000);
    expect(handed.map((b) => [b.payload, b.orderKey])).toEqual([['doomed', 'g'], ['next', 'g']]);
    expect(Date.now() - started).toBeLessThan(orderWaitMs / 2);
  });
});
