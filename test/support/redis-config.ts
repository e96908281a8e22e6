import { loadConfig, type RedisConfig } from '../../src/config.js';
import { redisUrl } from './services.js';

/** The run's own Redis (see services.global.ts), or undefined when it could not be started. */
export const REDIS_URL = redisUrl();

/** The config's Redis section as `dino` loads it (every default from config.ts), with a test's own values on top. */
export function redisConfig(overrides: Partial<RedisConfig> = {}): RedisConfig {
  return { ...loadConfig({ DINO_REDIS_URL: REDIS_URL ?? 'redis://127.0.0.1:1' }).redis!, ...overrides };
}
