import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { RedisSessions } from '../../src/broker/sessions/redis-persistence.js';
import { REDIS_URL as RUN_REDIS } from '../support/redis-config.js';
import { abstractSuiteAgainst } from './broker-sessions.abstract.js';
import { brokerSessionsContract } from './broker-sessions.contract.js';

const REDIS_URL = RUN_REDIS!;
const redisUp = Boolean(RUN_REDIS);

// Each store writes under a key prefix of its own, removed at the end: nothing else in Redis is touched.
abstractSuiteAgainst('redis', { skip: !redisUp });

const prefix = `dino:test:broker-sessions:${randomUUID()}:`;
let tests = 0;

brokerSessionsContract('redis', () => {
  const keyPrefix = `${prefix}${++tests}:`;
  return ({ maxQueued, expiryMs, now }) =>
    RedisSessions.open({ url: REDIS_URL, keyPrefix, maxQueued, sessionExpirySeconds: expiryMs / 1000, now });
}, { skip: !redisUp });

afterAll(async () => {
  if (!redisUp) return;
  const admin = new Redis(REDIS_URL);
  for await (const keys of admin.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>) {
    if (keys.length > 0) await admin.del(...keys);
  }
  await admin.quit();
});
