import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisStreamQueue } from '../../src/queue/redis.js';
import { redisUrl } from '../support/services.js';
import { sleep, until } from '../support/wait.js';

const REDIS_URL = redisUrl()!;

describe.skipIf(!REDIS_URL)('Redis stream queue ordering across consumers', () => {
  const stream = `dino:test:${randomUUID()}`;
  const queues: RedisStreamQueue[] = [];
  afterEach(async () => {
    await Promise.all(queues.map((q) => q.close()));
    const admin = new Redis(REDIS_URL);
    const keys = await admin.keys(`${stream}*`);
    if (keys.length) await admin.del(...keys);
    await admin.quit();
  });

  it('hands one group\'s broadcasts over in queue order even when two consumers with slow handlers share them', async () => {
    const handed = new Map<string, number[]>();
    let done = 0;
    const consumer = (name: string) => {
      const queue = new RedisStreamQueue({ url: REDIS_URL, stream, consumer: `${stream}-${name}`, blockMs: 50, batch: 4 });
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
});
