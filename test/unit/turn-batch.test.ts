import { describe, expect, it } from 'vitest';
import { chunksByKey, TurnBatch } from '../../src/core/turn-batch.js';

describe('TurnBatch', () => {
  it('writes the items of one turn together, in order, and those of the next turn apart', async () => {
    const writes: number[][] = [];
    const batch = new TurnBatch<number, string>((items) => {
      writes.push(items);
      return items.map((i) => Promise.resolve(`done ${i}`));
    });
    const first = await Promise.all([1, 2, 3].map((i) => batch.add(i)));
    const second = await batch.add(4);
    expect(first).toEqual(['done 1', 'done 2', 'done 3']);
    expect(second).toBe('done 4');
    expect(writes).toEqual([[1, 2, 3], [4]]);
  });

  it('fails the items of a failed write, and all of the turn when the writer throws', async () => {
    let call = 0;
    const batch = new TurnBatch<number, number>((items) => {
      if (++call === 2) throw new Error('writer broke');
      return items.map((i) => (i % 2 === 0 ? Promise.reject(new Error(`no ${i}`)) : Promise.resolve(i)));
    });
    const settled = await Promise.allSettled([1, 2, 3].map((i) => batch.add(i)));
    expect(settled.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([1, 'no 2', 3]);
    await expect(Promise.all([5, 7].map((i) => batch.add(i)))).rejects.toThrow('writer broke');
  });
});

describe('chunksByKey', () => {
  const size = (s: string) => s.length;
  it('groups by key in order, splitting at the item and byte limits; a large item goes alone', () => {
    const items = ['a1', 'b1', 'a2', 'a3', 'a4', 'b222222222', 'b3', 'a5'];
    const chunks = chunksByKey(items, (s) => s[0]!, size, { maxItems: 3, maxBytes: 8 });
    expect(chunks).toEqual([['a1', 'a2', 'a3'], ['b1'], ['a4', 'a5'], ['b222222222'], ['b3']]);
  });
});
