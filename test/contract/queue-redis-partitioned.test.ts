import { randomUUID } from 'node:crypto';
import { afterAll } from 'vitest';
import { RedisStreamQueue } from '../../src/queue/redis.js';
import { redisConfig } from '../support/redis-config.js';
import { adminClient, deleteMatching } from '../support/redis-cluster.js';
import { redisClusterUrl, redisUrl } from '../support/services.js';
import { queueContract } from './queue.contract.js';

/**
 * The queue contract on a stream of 3 partitions: on one Redis server, and on this run's 3-master Redis Cluster
 * (scripts/redis-cluster.sh), where every partition lives in its own slot.
 */
const targets = [{ name: 'redis, 3 partitions', url: redisUrl() }, { name: 'redis cluster, 3 partitions', url: redisClusterUrl() }];
const prefix = `dino:test:${randomUUID()}`;
let opened = 0;

for (const { name, url } of targets) {
  queueContract(name, async () => {
    const queue = new RedisStreamQueue(redisConfig({ url, stream: `${prefix}:${opened++}`, claimIdleMs: 400, partitions: 3 }), { blockMs: 100 });
    await queue.connect();
    return queue;
  }, { skip: !url, redeliveryWithinMs: 5000, orderedAcrossKeys: false });
}

afterAll(async () => {
  for (const { url } of targets) {
    if (!url) continue;
    const admin = adminClient(url);
    await deleteMatching(admin, `{${prefix}:*`);
    admin.disconnect();
  }
});
