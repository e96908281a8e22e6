import { randomUUID } from 'node:crypto';
import { describe } from 'vitest';
import { RedisIdempotencyStore } from '../../src/idempotency/redis.js';
import { REDIS_URL, redisConfig } from '../support/redis-config.js';
import { idempotencyContract } from './idempotency.contract.js';

if (REDIS_URL) {
  // Keys expire on their own (claim time in the test, retention otherwise), so nothing is left behind for long.
  idempotencyContract('redis', async (options) =>
    new RedisIdempotencyStore(redisConfig({ stream: `dino:test:${randomUUID()}` }), { ...options, retentionMs: 60_000 }));
} else {
  describe.skip('idempotency store contract: redis (Redis not running)', () => {});
}
