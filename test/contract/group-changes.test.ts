import { randomUUID } from 'node:crypto';
import { LocalGroupChanges } from '../../src/changes/local.js';
import { RedisGroupChanges } from '../../src/changes/redis.js';
import { redisConfig } from '../helpers/redis-config.js';
import { serviceAvailable } from '../helpers/services.js';
import { groupChangesContract } from './group-changes.contract.js';

// One process has one local feed: "every other subscriber" is a second listener on it.
const local = new LocalGroupChanges();
groupChangesContract('local', async () => local);

// Every feed opened on one stream name shares its channel.
const redis = redisConfig({ stream: `dino:test:${randomUUID()}` });
if (await serviceAvailable('Redis', '127.0.0.1', 6379)) {
  groupChangesContract('redis', async () => new RedisGroupChanges(redis));
}
