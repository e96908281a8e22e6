import { loadConfig, type RedisConfig } from '../../src/config.js';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** The config's Redis section as `dino` loads it (every default from config.ts), with a test's own values on top. */
export function redisConfig(overrides: Partial<RedisConfig> = {}): RedisConfig {
  return { ...loadConfig({ DINO_REDIS_URL: REDIS_URL }).redis!, ...overrides };
}
