import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisGroupChanges } from '../../src/changes/redis.js';
import { clientName, processName } from '../../src/redis/client.js';
import { REDIS_URL, redisConfig } from '../support/redis-config.js';
import { until } from '../support/wait.js';

const redisUp = Boolean(REDIS_URL);

describe.skipIf(!redisUp)('Redis group changes across a dropped connection', () => {
  const feeds: RedisGroupChanges[] = [];
  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((feed) => feed.close()));
  });

  it('listens again after its subscriber connection was dropped, and first says anything may have changed', async () => {
    const redis = redisConfig({ stream: `dino:test:${randomUUID()}` });
    const [announcer, listener] = [new RedisGroupChanges(redis), new RedisGroupChanges(redis)];
    feeds.push(announcer, listener);
    const seen: Array<string | null> = [];
    listener.subscribe((groupId) => seen.push(groupId));
    await until('the first subscription', async () => seen.includes(null), 5000);
    seen.length = 0;

    // Drops this process's subscriber connections only (found by name), as a Redis restart or a network cut would.
    const admin = new Redis(REDIS_URL!);
    const name = clientName(processName(), 'changes-subscriber');
    const ours = ((await admin.client('LIST')) as string).split('\n').filter((line) => line.includes(` name=${name} `));
    for (const line of ours) await admin.client('KILL', 'ADDR', /addr=(\S+)/.exec(line)![1]!);
    await admin.quit();
    expect(ours.length).toBeGreaterThan(0);

    await until('the subscription again', async () => seen.includes(null), 5000);
    const groupId = randomUUID();
    await announcer.announce(groupId);
    await until('the announcement after the reconnect', async () => seen.includes(groupId), 5000);
  });
});
