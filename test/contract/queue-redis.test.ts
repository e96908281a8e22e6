import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { RedisStreamQueue } from '../../src/queue/redis.js';
import { redisKeys } from '../../src/redis/keys.js';
import { REDIS_URL, redisConfig } from '../support/redis-config.js';
import { queueContract } from './queue.contract.js';
const streams: string[] = [];

// Each test gets its own stream (and so its own group), deleted afterwards; a short claim idle time makes the
// redelivery of a failed entry quick, and a short block keeps stopConsuming quick.
queueContract('redis', async () => {
  const stream = `dino:test:${randomUUID()}`;
  streams.push(stream);
  const queue = new RedisStreamQueue(redisConfig({ stream, claimIdleMs: 400 }), { blockMs: 100 });
  await queue.connect();
  return queue;
}, { skip: !REDIS_URL, redeliveryWithinMs: 5000 });

afterAll(async () => {
  if (!REDIS_URL || streams.length === 0) return;
  const admin = new Redis(REDIS_URL!);
  await admin.del(...streams.flatMap((stream) => [stream, redisKeys({ stream }).deadLetters]));
  await admin.quit();
});
