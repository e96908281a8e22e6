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
  };
}
