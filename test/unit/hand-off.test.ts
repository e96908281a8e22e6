import { describe, expect, it } from 'vitest';
import { packShards, TurnHandOff, unpackShards, type Shard } from '../../src/workers/hand-off.js';

describe('worker hand-off per event-loop turn', () => {
  it('packs shards into one array and unpacks them unchanged, in order', () => {
    const shards = [{ payload: 'a', userIds: [3, 1] }, { payload: 'b', userIds: [] }, { payload: 'c', userIds: [7] }];
    const packed = packShards(shards);
    expect(packed.userIds).toEqual(Float64Array.from([3, 1, 7]));
    expect(unpackShards(packed).map((s) => ({ payload: s.payload, userIds: Array.from(s.userIds) }))).toEqual(shards);
  });

  it('hands the shards added in one turn over together, in order, and gives each its own answer', async () => {
    const handed: string[][] = [];
    const handOff = new TurnHandOff(async (shards: Shard[]) => {
      handed.push(shards.map((s) => s.payload));
      return shards.map((s) => Array.from(s.userIds).filter((id) => id > 100));
    });
    const first = [handOff.add({ payload: 'a', userIds: [1, 101] }), handOff.add({ payload: 'b', userIds: [2] })];
    expect(handed).toEqual([]);
    expect(await Promise.all(first)).toEqual([[101], []]);
    expect(await handOff.add({ payload: 'c', userIds: [102] })).toEqual([102]);
    expect(handed).toEqual([['a', 'b'], ['c']]);
  });

  it('fails every shard of a hand-off the thread failed', async () => {
    const handOff = new TurnHandOff(() => Promise.reject(new Error('worker died')));
    const results = await Promise.allSettled([handOff.add({ payload: 'a', userIds: [1] }), handOff.add({ payload: 'b', userIds: [2] })]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
