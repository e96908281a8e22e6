import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/errors.js';
import type { Broadcast } from '../../src/core/ports/queue.js';
import type { RedisConfig } from '../../src/config.js';
import { FIELD } from '../../src/queue/redis-codec.js';
import { RedisStreamQueue } from '../../src/queue/redis.js';
import { redisKeys } from '../../src/redis/keys.js';
import { REDIS_SERVER, redisUrlOf, startRedis, type LocalServer } from '../support/local-server.js';
import { REDIS_URL, redisConfig } from '../support/redis-config.js';
import { sleep, until } from '../support/wait.js';

const redisUp = Boolean(REDIS_URL);

const broadcast = (payload: string): Broadcast => ({ payload, userIds: [1, 2, 3] });

/** Enqueues as a caller answered 503 would: trying again until the queue takes it. Returns the refusals. */
async function enqueueUntilAccepted(queue: RedisStreamQueue, payload: string): Promise<number> {
  for (let refusals = 0; ; refusals++) {
    try {
      await queue.enqueue(broadcast(payload));
      return refusals;
    } catch (err) {
      expect((err as { code?: number }).code).toBe(ErrorCode.QUEUE_UNAVAILABLE);
      await sleep(20);
    }
  }
}

describe.skipIf(!redisUp)('Redis stream queue under faults', () => {
  let stream: string;
  let admin: Redis;
  let queues: RedisStreamQueue[];
  /** Dead letters the queues of this test counted (dino_dead_letters_total). */
  let deadLettered: number;

  /** A queue (one consumer) on this test's stream; closed after the test unless terminated. */
  const openQueue = async (consumer: string, settings: Partial<RedisConfig> = {}) => {
    const queue = new RedisStreamQueue(redisConfig({ stream, claimIdleMs: 500, ...settings }),
      { consumer: `${stream}-${consumer}`, blockMs: 100 }, { deadLettered: () => void deadLettered++ });
    queues.push(queue);
    await queue.connect();
    return queue;
  };
  const pendingCount = async () => ((await admin.xpending(stream, redisConfig().group)) as [number])[0];
  const deadLetters = () => redisKeys({ stream }).deadLetters;

  /** The addresses of one consumer's connections, found by client name. */
  const connectionsOf = async (queue: RedisStreamQueue) => {
    const list = (await admin.client('LIST')) as string;
    return list.split('\n')
      .filter((line) => line.includes(` name=dino:${queue.consumer}:`))
      .map((line) => /addr=(\S+)/.exec(line)![1]!);
  };
  const namesOf = async (queue: RedisStreamQueue) => ((await admin.client('LIST')) as string).split('\n')
    .map((line) => / name=(\S*)/.exec(line)?.[1] ?? '').filter((name) => name.startsWith(`dino:${queue.consumer}:`));
  /** Kills one consumer's connections only, never anyone else's. */
  const killConnectionsOf = async (queue: RedisStreamQueue) => {
    const addresses = await connectionsOf(queue);
    for (const address of addresses) await admin.client('KILL', 'ADDR', address);
    return addresses.length;
  };

  beforeEach(() => {
    stream = `dino:test:${randomUUID()}`;
    admin = new Redis(REDIS_URL!);
    queues = [];
    deadLettered = 0;
  });
  afterEach(async () => {
    await Promise.all(queues.map((queue) => queue.close()));
    await admin.del(stream, deadLetters());
    await admin.quit();
  });

  it('shares the work between two consumers of one group, each entry handled once', async () => {
    const handledBy = new Map<string, string[]>();
    const handler = (who: string) => async (b: Broadcast) => {
      handledBy.set(b.payload, [...(handledBy.get(b.payload) ?? []), who]);
      await sleep(5);
    };
    const a = await openQueue('a', { claimIdleMs: 30_000 });
    const b = await openQueue('b', { claimIdleMs: 30_000 });
    a.startConsuming(handler('a'), { concurrency: 2 });
    b.startConsuming(handler('b'), { concurrency: 2 });
    for (let i = 0; i < 200; i++) await a.enqueue(broadcast(`share-${i}`));
    await until('200 handled', () => handledBy.size === 200);
    await Promise.all([a.stopConsuming(), b.stopConsuming()]);

    const all = [...handledBy.values()];
    expect(all.every((who) => who.length === 1)).toBe(true);
    expect(all.filter(([who]) => who === 'a').length).toBeGreaterThan(0);
    expect(all.filter(([who]) => who === 'b').length).toBeGreaterThan(0);
    expect(await pendingCount()).toBe(0);
  });

  it('lets another consumer take over the entry of a consumer that died holding it', async () => {
    let taken = false;
    const doomed = await openQueue('doomed');
    doomed.startConsuming(async () => {
      taken = true;
      await new Promise(() => {}); // never acknowledges
    }, { concurrency: 1 });
    await doomed.enqueue(broadcast('orphan'));
    await until('the doomed consumer to take the entry', () => taken);
    doomed.terminate();
    queues.splice(queues.indexOf(doomed), 1);

    const received: string[] = [];
    const survivor = await openQueue('survivor');
    const started = Date.now();
    survivor.startConsuming(async (b) => {
      received.push(b.payload);
    });
    await until('the survivor to reclaim the orphan', () => received.includes('orphan'), 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200); // only after the idle time, not at once
    await survivor.stopConsuming();
    expect(await pendingCount()).toBe(0);
  });

  it('does not hand a long-running entry to another consumer while its holder is alive', async () => {
    const handled: string[] = [];
    const a = await openQueue('slow-a', { claimIdleMs: 300 });
    const b = await openQueue('slow-b', { claimIdleMs: 300 });
    const slow = (who: string) => async () => {
      handled.push(who);
      await sleep(1200); // four times the claim idle time
    };
    a.startConsuming(slow('a'), { concurrency: 1 });
    b.startConsuming(slow('b'), { concurrency: 1 });
    await a.enqueue(broadcast('long'));
    await until('the entry taken', () => handled.length === 1);
    await sleep(1300); // both keep running the whole time: the idle one must not steal it
    await Promise.all([a.stopConsuming(), b.stopConsuming()]);
    expect(handled).toHaveLength(1);
    expect(await pendingCount()).toBe(0);
  });

  it('moves a poison entry to the dead letters at once, without blocking the others', async () => {
    const queue = await openQueue('poison');
    await queue.enqueue(broadcast('before'));
    await admin.xadd(stream, '*', FIELD.broadcast, Buffer.from([0xc1, 0xff, 0x00]));
    await admin.xadd(stream, '*', 'garbage', 'not a broadcast');
    await queue.enqueue(broadcast('after'));

    const received: string[] = [];
    queue.startConsuming(async (b) => {
      received.push(b.payload);
    });
    await until('the good entries', () => received.length === 2);
    // Counted once each letter is written: poll both, the count may follow the write by a turn of the loop.
    await until('two dead letters, counted', async () => (await admin.xlen(deadLetters())) === 2 && deadLettered === 2);

    const dead = await queue.listDeadLetters(10);
    expect(received).toEqual(['before', 'after']);
    expect(dead).toHaveLength(2);
    expect(deadLettered).toBe(2);
    for (const letter of dead) {
      expect(letter.reason).toMatch(/poison/);
      expect(letter.broadcast).toBeNull();
    }
    expect(await queue.replayDeadLetters()).toEqual({ replayed: [], skipped: dead.map((d) => d.id) });
    await queue.stopConsuming();
    expect(await pendingCount()).toBe(0);
  });

  it('moves an always-failing entry to the dead letters after maxAttempts, and replays it', async () => {
    const queue = await openQueue('failing', { claimIdleMs: 300, maxAttempts: 3 });
    let attempts = 0;
    let brokerDown = true;
    const received: string[] = [];
    queue.startConsuming(async (b) => {
      if (b.payload === 'doomed') {
        attempts++;
        if (brokerDown) throw new Error('broker said no');
      }
      received.push(b.payload);
    });
    for (const payload of ['first', 'doomed', 'last']) await queue.enqueue(broadcast(payload));

    await until('a dead letter', async () => (await queue.listDeadLetters()).length === 1);
    const [letter] = await queue.listDeadLetters();
    expect(attempts).toBe(3);
    expect(received.sort()).toEqual(['first', 'last']);
    expect(letter).toMatchObject({ attempts: 3, broadcast: broadcast('doomed') });
    expect(letter!.reason).toContain('broker said no');
    expect(await pendingCount()).toBe(0);
    expect(deadLettered).toBe(1);

    brokerDown = false;
    expect(await queue.replayDeadLetters([letter!.id])).toEqual({ replayed: [letter!.id], skipped: [] });
    await until('the replayed entry', () => received.includes('doomed'));
    expect(await queue.listDeadLetters()).toEqual([]);
  });

  it('lists and replays dead letters through a queue that has not connected yet, as `dino dead-letters` does', async () => {
    const failing = await openQueue('fails', { maxAttempts: 1 });
    failing.startConsuming(async () => {
      throw new Error('broker said no');
    });
    await failing.enqueue(broadcast('doomed'));
    await until('a dead letter', async () => (await admin.xlen(deadLetters())) === 1);
    await failing.stopConsuming();

    const cli = new RedisStreamQueue(redisConfig({ stream }));
    queues.push(cli);
    const [letter] = await cli.listDeadLetters();
    expect(letter?.broadcast).toEqual(broadcast('doomed'));
    expect(await cli.replayDeadLetters()).toEqual({ replayed: [letter!.id], skipped: [] });
    expect(await admin.xlen(deadLetters())).toBe(0);
  });

  it('loses nothing when its connections are dropped mid-run', async () => {
    const queue = await openQueue('dropped', { claimIdleMs: 1000 });
    const delivered = new Map<string, number>();
    queue.startConsuming(async (b) => {
      await sleep(5);
      delivered.set(b.payload, (delivered.get(b.payload) ?? 0) + 1);
    }, { concurrency: 4 });

    // Drops both connections four times while entries are being enqueued, read, handled and acknowledged.
    let kills = 0;
    const killer = (async () => {
      for (let round = 0; round < 4; round++) {
        await sleep(150);
        // The heartbeat thread's connection comes and goes on its own schedule: the reader and producer are what count.
        await until('both connections back', async () => {
          const names = await namesOf(queue);
          return names.some((n) => n.endsWith(':reader')) && names.some((n) => n.endsWith(':producer'));
        });
        kills += await killConnectionsOf(queue);
      }
    })();
    let killerDone = false;
    void killer.finally(() => (killerDone = true));

    const accepted: string[] = [];
    let refused = 0;
    for (let i = 0; !killerDone || i < 300; i++) {
      refused += await enqueueUntilAccepted(queue, `drop-${i}`);
      accepted.push(`drop-${i}`);
      await sleep(1); // a steady flow, not a backlog that takes long to drain
    }
    await killer;
    await until('every accepted entry delivered', () => accepted.every((p) => delivered.has(p)), 20_000);
    await queue.stopConsuming();
    const duplicates = [...delivered.values()].reduce((sum, n) => sum + n - 1, 0);
    console.info(`${kills} connections killed, ${accepted.length} entries: ${refused} enqueue refusals retried, ` +
      `${duplicates} duplicate deliveries`);
    // Reader and producer each round, and the heartbeat thread's connection whenever it was up at the time.
    expect(kills).toBeGreaterThanOrEqual(8);
    expect(kills).toBeLessThanOrEqual(12);
    expect(await pendingCount()).toBe(0);
  });

  it('recreates a consumer group that vanished and delivers what arrived since', async () => {
    const queue = await openQueue('regroup');
    const received: string[] = [];
    queue.startConsuming(async (b) => {
      received.push(b.payload);
    });
    await queue.enqueue(broadcast('before'));
    await until('the first entry', () => received.includes('before'));
    await admin.del(stream); // what a Redis restart without persistence does to stream and group
    await queue.enqueue(broadcast('after'));
    await until('the entry enqueued after the group vanished', () => received.includes('after'), 5000);
  });

  it('refuses new entries with 621 while the backlog is near the stream cap, so trimming never drops one', async () => {
    const producer = await openQueue('capped', { maxLen: 10 });
    for (let i = 0; i < 12; i++) await producer.enqueue(broadcast(`capped-${i}`)); // nobody consumes yet
    await sleep(600); // the backlog figure is refreshed at most every 500 ms
    await expect(producer.enqueue(broadcast('one too many'))).rejects.toMatchObject({ code: ErrorCode.QUEUE_UNAVAILABLE });
    const received: string[] = [];
    producer.startConsuming(async (b) => void received.push(b.payload));
    await until('backlog delivered', async () => received.length === 12);
    await sleep(600);
    await producer.enqueue(broadcast('accepted again'));
    await until('the new one delivered', async () => received.includes('accepted again'));
  });

  it('refuses an enqueue promptly when Redis cannot be reached', async () => {
    const queue = new RedisStreamQueue(redisConfig({ url: 'redis://127.0.0.1:1', stream }), { commandTimeoutMs: 300 });
    queues.push(queue);
    const started = Date.now();
    await expect(queue.enqueue(broadcast('nowhere'))).rejects.toMatchObject({ code: ErrorCode.QUEUE_UNAVAILABLE });
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(queue.ping()).rejects.toMatchObject({ code: ErrorCode.QUEUE_UNAVAILABLE });
  });
});

// This one runs a redis-server of its own (the run's one is never restarted), so it needs the binary.
if (!REDIS_SERVER) {
  if (process.env.CI === 'true') throw new Error('the Redis restart test needs redis-server; CI=true requires it');
  console.warn('\n!!! SKIPPING the Redis restart test: no redis-server installed.\n');
}

describe.skipIf(!REDIS_SERVER)('Redis stream queue across a Redis server restart', () => {
  let server: LocalServer | undefined;
  afterEach(async () => {
    await server?.stop();
    if (server) await rm(server.dir, { recursive: true, force: true });
  });

  it('loses nothing when Redis restarts mid-run (append-only file on)', async () => {
    const own = await startRedis(REDIS_SERVER!, await mkdtemp(join(tmpdir(), 'dino-redis-')), { appendOnly: true });
    server = own;
    const queue = new RedisStreamQueue(redisConfig({ url: redisUrlOf(own), claimIdleMs: 1000 }), { blockMs: 100 });
    await queue.connect();
    const delivered = new Set<string>();
    // Slower than the enqueue rate, so a backlog is pending and entries are in hand when the server goes away.
    queue.startConsuming(async (b) => {
      await sleep(10);
      delivered.add(b.payload);
    }, { concurrency: 4 });

    const accepted: string[] = [];
    let refused = 0;
    let backlogAtRestart = 0;
    for (let i = 0; i < 300; i++) {
      if (i === 150) {
        backlogAtRestart = accepted.length - delivered.size;
        await own.restart();
      }
      refused += await enqueueUntilAccepted(queue, `restart-${i}`);
      accepted.push(`restart-${i}`);
    }
    await until('every accepted entry delivered', () => accepted.every((p) => delivered.has(p)), 20_000);
    await queue.close();
    console.info(`redis restart: backlog ${backlogAtRestart} at restart, ${refused} enqueue refusals retried`);
    expect(backlogAtRestart).toBeGreaterThan(0);
  });
});
