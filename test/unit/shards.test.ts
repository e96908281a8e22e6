import { describe, expect, it } from 'vitest';
import { dealRoundRobin, splitIntoShards } from '../../src/workers/shards.js';

describe('splitIntoShards', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  it('keeps a small list on one shard', () => {
    expect(splitIntoShards(ids(3), 4, 1000)).toEqual([[1, 2, 3]]);
  });

  it('spreads a large list over at most maxShards, covering every id once in order', () => {
    const shards = splitIntoShards(ids(100_001), 4, 1000);
    expect(shards).toHaveLength(4);
    expect(shards.flat()).toEqual(ids(100_001));
  });

  it('does not cut shards smaller than minShardSize (but the last)', () => {
    const shards = splitIntoShards(ids(2500), 8, 1000);
    expect(shards.map((s) => s.length)).toEqual([834, 834, 832]);
  });

  it('returns no shard for no ids', () => {
    expect(splitIntoShards([], 4, 10)).toEqual([]);
  });
});

describe('dealRoundRobin', () => {
  it('deals evenly and loses nothing', () => {
    const lanes = dealRoundRobin([1, 2, 3, 4, 5], 2);
    expect(lanes).toEqual([[1, 3, 5], [2, 4]]);
  });
});
