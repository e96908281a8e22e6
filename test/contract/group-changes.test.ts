import { randomUUID } from 'node:crypto';
import { LocalGroupChanges } from '../../src/changes/local.js';
import { RedisGroupChanges } from '../../src/changes/redis.js';
import { serviceAvailable } from '../support/services.js';
import { groupChangesContract } from './group-changes.contract.js';

// One process has one local feed: "every other subscriber" is a second listener on it.
const local = new LocalGroupChanges();
groupChangesContract('local', async () => local);

const channel = `dino:test:${randomUUID()}:group-changes`;
if (await serviceAvailable('Redis', '127.0.0.1', 6379)) {
  groupChangesContract('redis', async () => new RedisGroupChanges('redis://127.0.0.1:6379', channel));
}
