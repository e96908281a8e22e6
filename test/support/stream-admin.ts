import type { Redis } from 'ioredis';
import { partitionKeys, type RedisKeys } from '../../src/redis/keys.js';
import { isClusterUrl } from '../../src/redis/target.js';
import { adminClient, deleteMatching, nodesOf } from './redis-cluster.js';
import { sleep } from './wait.js';

/** A connection of one of our child processes, by the adapter's client name `dino:<host>-<pid>-<rand>:<role>`. */
export interface OurClient {
  id: string;
  name: string;
  consumer: string;
  role: string;
  pid: number;
  cmd: string;
  /** The server (a cluster's master) the connection is on. */
  node: Redis;
}

/** The part of a consumer name (`<host>-<pid>-<rand>`) that tells which of our processes it is. */
export const pidOfConsumer = (consumer: string): number | undefined => Number(/-(\d+)-[0-9a-f]+$/.exec(consumer)?.[1]) || undefined;

/**
 * What a test of `dino fanout` processes looks at in Redis, on one server or a cluster alike: the connections of its
 * own children, the pending entries of every partition of its stream, the nodes' liveness keys. Everything is
 * namespaced by the test's stream name; `cleanUp` removes its keys.
 */
export class StreamAdmin {
  readonly admin: Redis;
  readonly partitions: RedisKeys[];

  constructor(url: string, stream: string, private readonly group: string, partitions: number) {
    this.admin = adminClient(url, `test-admin-${stream}`);
    this.partitions = partitionKeys({ stream, partitions, cluster: isClusterUrl(url) });
  }

  /** Connections of the processes `pids`, on every node. */
  async clients(pids: number[]): Promise<OurClient[]> {
    const lists = await Promise.all(nodesOf(this.admin).map(async (node) => ({ node, list: (await node.client('LIST')) as string })));
    return lists.flatMap(({ node, list }) => list.split('\n').flatMap((line) => {
      const id = /^id=(\d+)/.exec(line)?.[1];
      const name = / name=(\S*)/.exec(line)?.[1] ?? '';
      const named = /^dino:(.+):(producer|reader|heartbeat)$/.exec(name);
      const pid = named ? pidOfConsumer(named[1]!) : undefined;
      if (!id || !named || pid === undefined || !pids.includes(pid)) return [];
      return [{ id, name, consumer: named[1]!, role: named[2]!, pid, cmd: / cmd=(\S*)/.exec(line)?.[1] ?? '', node }];
    }));
  }

  async pendingTotal(): Promise<number> {
    const counts = await Promise.all(this.partitions.map(async (keys) => Number(((await this.admin.xpending(keys.stream, this.group)) as [number])[0])));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Pending entries of every partition as [id, consumer] (ids prefixed by the partition, unique across them). */
  async pendingEntries(consumer?: string): Promise<Array<{ id: string; owner: string }>> {
    const args: Array<string | number> = ['-', '+', 1000];
    if (consumer) args.push(consumer);
    const lists = await Promise.all(this.partitions.map(async (keys, k) => {
      const rows = (await this.admin.call('XPENDING', keys.stream, this.group, ...args)) as Array<[string, string, number, number]>;
      return rows.map(([id, owner]) => ({ id: `${k}/${id}`, owner }));
    }));
    return lists.flat();
  }

  /** Whether every liveness key of `consumer` exists (one per partition). */
  async alive(consumer: string): Promise<boolean> {
    const found = await Promise.all(this.partitions.map((keys) => this.admin.exists(keys.alive(consumer))));
    return found.every((n) => n === 1);
  }

  /** Samples the pending list while a run goes on: which node held which entry (a broadcast lasts far longer than a sample). */
  watchWork() {
    const held = new Map<string, Set<string>>();
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        for (const { id, owner } of await this.pendingEntries().catch(() => [])) {
          if (!held.has(owner)) held.set(owner, new Set());
          held.get(owner)!.add(id);
        }
        await sleep(10);
      }
    })();
    return {
      async stop() {
        stopped = true;
        await loop;
        return held;
      },
    };
  }

  async cleanUp(): Promise<void> {
    for (const keys of this.partitions) await deleteMatching(this.admin, `${keys.stream}*`);
    await this.admin.quit();
  }
}
