import { randomUUID } from 'node:crypto';
import { describe } from 'vitest';
import { RedisIdempotencyStore } from '../../src/idempotency/redis.js';
import { redisConfig } from '../helpers/redis-config.js';
import { serviceAvailable } from '../helpers/services.js';
import { idempotencyContract } from './idempotency.contract.js';

if (await serviceAvailable('Redis', '127.0.0.1', 6379)) {
  // Keys expire on their own (claim time in the test, retention otherwise), so nothing is left behind for long.
  idempotencyContract('redis', async (options) =>
    new RedisIdempotencyStore(redisConfig({ stream: `dino:test:${randomUUID()}` }), { ...options, retentionMs: 60_000 }));
} else {
  describe.skip('idempotency store contract: redis (Redis not running)', () => {});
}
