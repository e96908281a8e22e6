import { randomUUID } from 'node:crypto';
import { InProcessGroupChanges } from '../../src/changes/in-process.js';
import { RedisGroupChanges } from '../../src/changes/redis.js';
import { REDIS_URL, redisConfig } from '../support/redis-config.js';
import { groupChangesContract } from './group-changes.contract.js';

// One process has one local feed: "every other subscriber" is a second listener on it.
const local = new InProcessGroupChanges();
groupChangesContract('local', async () => local);

// Every feed opened on one stream name shares its channel.
const redis = redisConfig({ stream: `dino:test:${randomUUID()}` });
if (REDIS_URL) {
  groupChangesContract('redis', async () => new RedisGroupChanges(redis));
}
