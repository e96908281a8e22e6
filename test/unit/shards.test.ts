import { describe, expect, it } from 'vitest';
import { connectionOf, splitByWorker, workerOf } from '../../src/workers/shards.js';

describe('recipient placement', () => {
  it('puts a user always on the same worker and connection', () => {
    for (const id of [1, 2, 999_999, 2 ** 53 - 1]) {
      expect(workerOf(id, 3)).toBe(workerOf(id, 3));
      expect(connectionOf(id, 3, 2)).toBe(connectionOf(id, 3, 2));
      expect(workerOf(id, 3)).toBeLessThan(3);
      expect(connectionOf(id, 3, 2)).toBeLessThan(2);
    }
  });

  it('spreads consecutive ids evenly over workers and connections', () => {
    const ids = Array.from({ length: 12_000 }, (_, i) => i + 1);
    const perSlot = new Map<string, number>();
    for (const id of ids) {
      const slot = `${workerOf(id, 3)}/${connectionOf(id, 3, 4)}`;
      perSlot.set(slot, (perSlot.get(slot) ?? 0) + 1);
    }
    expect(perSlot.size).toBe(12);
    expect([...perSlot.values()].every((n) => n === 1000)).toBe(true);
  });

  it('splits a list by worker, losing nothing and keeping list order within a worker', () => {
    const ids = [5, 1, 4, 2, 3, 6];
    const shards = splitByWorker(ids, 2);
    expect(shards).toEqual([[4, 2, 6], [5, 1, 3]]);
    expect(splitByWorker([], 2)).toEqual([[], []]);
  });
});
