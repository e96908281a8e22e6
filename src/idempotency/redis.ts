import { Errors } from '../core/errors.js';
import { clientName, createRedisClient, processName, quit, whenReady } from '../redis/client.js';
import type { DinoRedis } from '../redis/scripts.js';
import { redisKeys, type RedisKeys } from '../redis/keys.js';
import type { RedisConfig } from '../config.js';
import { DEFAULT_CLAIM_MS, DEFAULT_RETENTION_MS, type Claim, type IdempotencyOptions, type IdempotencyStore, type StoredAnswer } from '../core/ports/idempotency.js';

/** The value of a claimed key until the request's answer replaces it. */
const PENDING = '';

/** Keys shared by every `dino server`: a retry may reach another process than the first request did. */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly kind = 'redis';
  private readonly redis: DinoRedis;
  private readonly keys: RedisKeys;
  private readonly retentionMs: number;
  private readonly claimMs: number;

  constructor(redis: RedisConfig, options: IdempotencyOptions = {}) {
    this.redis = createRedisClient(redis.url, { name: clientName(processName(), 'idempotency') });
    this.keys = redisKeys(redis);
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.claimMs = options.claimMs ?? DEFAULT_CLAIM_MS;
  }

  claim(key: string): Promise<Claim> {
    return this.call(async () => {
      for (;;) {
        if ((await this.redis.set(this.keys.idempotency(key), PENDING, 'PX', this.claimMs, 'NX')) === 'OK') return { state: 'new' };
        const value = await this.redis.get(this.keys.idempotency(key));
        if (value === null) continue; // released or expired between the two calls: claim again
        return value === PENDING ? { state: 'busy' } : { state: 'done', answer: JSON.parse(value) as StoredAnswer };
      }
    });
  }

  complete(key: string, answer: StoredAnswer): Promise<void> {
    return this.call(async () => void (await this.redis.set(this.keys.idempotency(key), JSON.stringify(answer), 'PX', this.retentionMs)));
  }

  release(key: string): Promise<void> {
    return this.call(async () => void (await this.redis.releaseClaim(this.keys.idempotency(key), PENDING)));
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      await whenReady(this.redis); // rides out a short reconnect; commands are not queued while offline
      return await work();
    } catch (err) {
      throw Errors.idempotencyUnavailable(err);
    }
  }

  async close(): Promise<void> {
    await quit(this.redis);
  }
}
