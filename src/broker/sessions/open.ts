import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import type { RedisSessions } from './redis-persistence.js';
import { SqliteSessions } from './sqlite-persistence.js';
import { isClusterUrl } from '../../redis/target.js';

export type BrokerPersistence = SqliteSessions | RedisSessions;

/** Where the embedded broker's sessions live in Redis: apart from the queue's stream and the idempotency keys. */
export const REDIS_SESSIONS_PREFIX = 'dino:mqtt:';

/**
 * The aedes persistence for the embedded broker: sessions in Redis when DINO_REDIS_URL is set (several `dino start`
 * processes can share them), otherwise in `DINO_DATA_DIR/broker.sqlite`. Hand it to aedes as `persistence`; aedes calls
 * its setup() when it starts listening. aedes' close() does not close it: call destroy() after, which commits what
 * is pending and closes the file or connection. The Redis store (and its client) is loaded only when asked for.
 */
export async function openBrokerPersistence(config: Pick<Config, 'dataDir' | 'redis' | 'mqtt'>): Promise<BrokerPersistence> {
  const { sessionExpirySeconds, limits: { maxQueued } } = config.mqtt;
  // The Redis store opens a one-server client (new Redis(url)), not a cluster's: on a cluster, the file.
  if (config.redis && !isClusterUrl(config.redis.url)) {
    const { RedisSessions } = await import('./redis-persistence.js');
    return RedisSessions.open({ url: config.redis.url, keyPrefix: REDIS_SESSIONS_PREFIX, maxQueued, sessionExpirySeconds });
  }
  mkdirSync(config.dataDir, { recursive: true });
  return new SqliteSessions({ file: join(config.dataDir, 'broker.sqlite'), maxQueued, sessionExpiryMs: sessionExpirySeconds * 1000 });
}
