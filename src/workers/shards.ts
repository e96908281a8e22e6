/**
 * Splits a recipient list into at most `maxShards` contiguous slices of at least `minShardSize` ids each (the last
 * may be smaller), so small groups stay on one worker and large notifications spread over all of them.
 */
export function splitIntoShards<T>(ids: ArrayLike<T>, maxShards: number, minShardSize: number): T[][] {
  const count = Math.max(1, Math.min(maxShards, Math.ceil(ids.length / Math.max(1, minShardSize))));
  const size = Math.ceil(ids.length / count);
  const shards: T[][] = [];
  for (let start = 0; start < ids.length; start += size) shards.push(Array.prototype.slice.call(ids, start, start + size));
  return shards;
}

/** Deals ids round-robin over `n` lanes (one per MQTT connection) so each lane gets an even share. */
export function dealRoundRobin(ids: ArrayLike<number>, n: number): number[][] {
  const lanes: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < ids.length; i++) lanes[i % n]!.push(ids[i]!);
  return lanes;
}
