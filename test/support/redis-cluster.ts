import { Cluster, Redis } from 'ioredis';
import { redisTarget } from '../../src/redis/target.js';

/** An admin client for any Redis URL Dino takes: a Cluster client for redis+cluster://, else a plain one. */
export function adminClient(url: string, name = 'test-admin'): Redis {
  const target = redisTarget(url);
  if (!target.cluster) return new Redis(url, { connectionName: name });
  return new Cluster(target.nodes, { redisOptions: { connectionName: name } }) as unknown as Redis;
}

/** Every node to ask for per-node facts (CLIENT LIST, KEYS): the masters of a cluster, else the one server. */
export function nodesOf(admin: Redis): Redis[] {
  return (admin as unknown) instanceof Cluster ? (admin as unknown as Cluster).nodes('master') : [admin];
}

/** Deletes every key matching `pattern` on every node, one key at a time (a cluster refuses multi-slot DELs). */
export async function deleteMatching(admin: Redis, pattern: string): Promise<void> {
  for (const node of nodesOf(admin)) {
    for (const key of await node.keys(pattern)) await node.del(key);
  }
}
