import { randomUUID } from 'node:crypto';
import { InProcessGroupChanges } from '../../src/changes/in-process.js';
import { RedisGroupChanges } from '../../src/changes/redis.js';
import { redisUrl } from '../support/services.js';
import { groupChangesContract } from './group-changes.contract.js';

// One process has one local feed: "every other subscriber" is a second listener on it.
const local = new InProcessGroupChanges();
groupChangesContract('local', async () => local);

const channel = `dino:test:${randomUUID()}:group-changes`;
const REDIS_URL = redisUrl();
if (REDIS_URL) {
  groupChangesContract('redis', async () => new RedisGroupChanges(REDIS_URL, channel));
}
