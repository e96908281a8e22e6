import { partitionTags } from './slots.js';

/**
 * Every Redis key and channel Dino uses, in one place (as BullMQ's `QueueKeys`), all under the stream's name
 * (DINO_STREAM), so one stream name keeps one deployment's data apart. The names are those Dino has always used:
 * data already in Redis stays valid.
 */
export interface RedisKeys {
  /** The broadcast stream, read through the consumer group. */
  stream: string;
  /** Broadcasts given up on, with the reason (a stream). */
  deadLetters: string;
  /** The last sequence number given to a broadcast of `orderKey` (a counter). */
  seq(orderKey: string): string;
  /** The sequence number up to which `orderKey`'s broadcasts are done (a number). */
  done(orderKey: string): string;
  /** A request's `Idempotency-Key`: its claim, then its answer (a string). */
  idempotency(key: string): string;
  /** The pub/sub channel on which group changes are announced. */
  groupChanges: string;
  /** A consuming node's liveness key (a string with a short TTL): while it exists, the node is alive. */
  alive(consumer: string): string;
  /** The chunks of a large broadcast's recipients already acknowledged, by stream entry id (a set). */
  progress(entryId: string): string;
  /** Message rows written whose broadcast is not appended yet, with when (a set; redis-send-intents.ts). */
  sendIntents: string;
  /** Lapsed send intents taken by a sweep, kept until their rows are removed (a set; redis-send-intents.ts). */
  sendUndoing: string;
}

export function redisKeys({ stream }: { stream: string }): RedisKeys {
  return {
    stream,
    deadLetters: `${stream}:dead`,
    seq: (orderKey) => `${stream}:seq:${orderKey}`,
    done: (orderKey) => `${stream}:done:${orderKey}`,
    idempotency: (key) => `${stream}:idempotency:${key}`,
    groupChanges: `${stream}:group-changes`,
    alive: (consumer) => `${stream}:alive:${consumer}`,
    progress: (entryId) => `${stream}:progress:${entryId}`,
    sendIntents: `${stream}:send-intents`,
    sendUndoing: `${stream}:send-undoing`,
  };
}

/**
 * The keys of each partition of the broadcast stream (DINO_STREAM_PARTITIONS). One partition on one server keeps the
 * names above, so existing deployments keep their data. Otherwise partition k lives under a hash tag,
 * `{<stream>:p<k>}:…` (see slots.ts for the tag), so its stream, its order counters, its dead letters and the nodes'
 * liveness keys for it share one Redis Cluster slot: the Lua scripts and MULTI blocks that touch several of them
 * stay on one node, while the partitions spread over the cluster's masters.
 */
export function partitionKeys({ stream, partitions, cluster }: { stream: string; partitions: number; cluster: boolean }): RedisKeys[] {
  if (partitions === 1 && !cluster) return [redisKeys({ stream })];
  return partitionTags(stream, partitions).map((tag) => redisKeys({ stream: `{${tag}}` }));
}
