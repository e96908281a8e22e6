/**
 * The partitioned broadcast stream on this run's real 3-master Redis Cluster (scripts/redis-cluster.sh): partitions on
 * distinct masters, per-group order across partitions and consumers, a crashed consumer's entries taken over through
 * the liveness keys, and a dead-letter replay addressed by partition.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Broadcast } from '../../src/core/ports/queue.js';
import type { RedisConfig } from '../../src/config.js';
import { RedisStreamQueue } from '../../src/queue/redis.js';
import { partitionKeys } from '../../src/redis/keys.js';
import { redisConfig } from '../support/redis-config.js';
import { adminClient, deleteMatching, nodesOf } from '../support/redis-cluster.js';
import { redisClusterUrl } from '../support/services.js';
import { sleep, until } from '../support/wait.js';

const CLUSTER_URL = redisClusterUrl();
const PARTITIONS = 3;

describe.skipIf(!CLUSTER_URL)('Redis stream queue on a 3-master Redis Cluster, 3 partitions', () => {
  const prefix = `dino:test:${randomUUID()}`;
  let streams = 0;
  let queues: RedisStreamQueue[] = [];
  const admin = CLUSTER_URL ? adminClient(CLUSTER_URL) : undefined;

  const open = (stream: string, name: string, settings: Partial<RedisConfig> = {}) => {
    const queue = new RedisStreamQueue(redisConfig({ url: CLUSTER_URL!, stream, partitions: PARTITIONS, ...settings }),
      { consumer: `${stream}-${name}`, blockMs: 100, batch: 4 });
    queues.push(queue);
    return queue;
  };
  afterEach(async () => {
    await Promise.all(queues.map((queue) => queue.close()));
    queues = [];
  });
  afterAll(async () => {
    await deleteMatching(admin!, `{${prefix}:*`);
    admin?.disconnect();
  });

  it('puts each partition, with its order counters, in a slot of its own master', async () => {
    const stream = `${prefix}:${streams++}`;
    const queue = open(stream, 'a');
    for (let g = 0; g < 12; g++) await queue.enqueue({ payload: 'x', userIds: [1], orderKey: `group-${g}` });
    const keys = partitionKeys({ stream, partitions: PARTITIONS, cluster: true });
    const owners = await Promise.all(keys.map(async (k) => {
      const holders = [];
      // KEYS answers for the node asked only (EXISTS would be redirected): which master holds the stream.
      for (const node of nodesOf(admin!)) if ((await node.keys(k.stream)).length === 1) holders.push(`${node.options.port}`);
      return holders;
    }));
    expect(owners.every((holders) => holders.length === 1)).toBe(true);
    expect(new Set(owners.flat()).size).toBe(PARTITIONS);
    // A counter sits beside its partition's stream: the ordering script touches both in one slot.
    for (const [i, k] of keys.entries()) {
      const counters = await nodesOf(admin!).find((node) => `${node.options.port}` === owners[i]![0])!.keys(`${k.stream}:seq:*`);
      expect(counters.length).toBeGreaterThan(0);
    }
  });

  it('hands each group\'s broadcasts over in queue order across partitions and two consumers', async () => {
    const stream = `${prefix}:${streams++}`;
    const handed = new Map<string, number[]>();
    let done = 0;
    const start = (name: string) => {
      const queue = open(stream, name);
      queue.startConsuming((b) => {
        handed.set(b.orderKey!, [...(handed.get(b.orderKey!) ?? []), Number(b.payload)]);
        return sleep(Math.random() * 15).then(() => void done++);
      }, { concurrency: 8 });
      return queue;
    };
    const [a] = [start('a'), start('b')];
    const groups = Array.from({ length: 6 }, (_, g) => `g${g}`);
    const perGroup = 30;
    for (let i = 0; i < perGroup; i++) {
      await Promise.all(groups.map((g) => a.enqueue({ payload: String(i), userIds: [1], orderKey: g })));
    }
    await until('every broadcast handled', () => done === groups.length * perGroup, 30_000);
    for (const g of groups) expect(handed.get(g)).toEqual(Array.from({ length: perGroup }, (_, i) => i));
  });

  it('takes over a crashed consumer\'s entries in every partition once its liveness lapses', async () => {
    const stream = `${prefix}:${streams++}`;
    const taken: string[] = [];
    const crashing = open(stream, 'crashing', { claimIdleMs: 60_000, nodeTtlMs: 1000 });
    crashing.startConsuming(async (b) => {
      taken.push(b.payload);
      await new Promise(() => {}); // never acknowledges
    }, { concurrency: 6 });
    const payloads = Array.from({ length: 6 }, (_, i) => `p${i}`);
    for (const payload of payloads) await crashing.enqueue({ payload, userIds: [1] } satisfies Broadcast);
    await until('the node to take all entries', () => taken.length === payloads.length);
    const received: string[] = [];
    const survivor = open(stream, 'survivor', { claimIdleMs: 60_000, nodeTtlMs: 1000 });
    survivor.startConsuming(async (b) => void received.push(b.payload));
    crashing.terminate();
    queues.splice(queues.indexOf(crashing), 1);
    await until('the survivor to take over', () => received.length === payloads.length, 15_000);
    expect(received.sort()).toEqual(payloads);
    await survivor.stopConsuming();
    expect(await survivor.backlog()).toEqual({ pending: 0, lag: 0 });
  });

  it('lists dead letters of every partition as <partition>/<id> and replays them by that id', async () => {
    const stream = `${prefix}:${streams++}`;
    const queue = open(stream, 'a', { claimIdleMs: 200, maxAttempts: 1 });
    let failing = true;
    const delivered: string[] = [];
    queue.startConsuming(async (b) => {
      if (failing) throw new Error('broker away');
      delivered.push(b.payload);
    });
    for (let i = 0; i < PARTITIONS; i++) await queue.enqueue({ payload: `d${i}`, userIds: [1] });
    await until('a dead letter per partition', async () => (await queue.listDeadLetters()).length === PARTITIONS, 15_000);
    const letters = await queue.listDeadLetters();
    expect(new Set(letters.map((l) => l.id.split('/')[0]))).toEqual(new Set(['0', '1', '2']));
    failing = false;
    const result = await queue.replayDeadLetters([letters[0]!.id, 'nowhere']);
    expect(result).toEqual({ replayed: [letters[0]!.id], skipped: ['nowhere'] });
    await until('the replayed one delivered', () => delivered.includes(letters[0]!.broadcast!.payload));
    expect((await queue.replayDeadLetters()).replayed.length).toBe(PARTITIONS - 1);
    await until('every one delivered', () => delivered.length === PARTITIONS);
  });
});
