import { describe, expect, it } from 'vitest';
import { GroupCache, type GroupSnapshot } from '../../src/core/group-cache.js';

const snapshot = (name: string) => ({ group: { name }, members: [] }) as unknown as GroupSnapshot;

describe('GroupCache', () => {
  it('loads once while fresh, again after invalidation or expiry', async () => {
    const cache = new GroupCache(50);
    let loads = 0;
    const load = async () => snapshot(`v${++loads}`);
    expect((await cache.get('g', load))!.group.name).toBe('v1');
    expect((await cache.get('g', load))!.group.name).toBe('v1');
    cache.invalidate('g');
    expect((await cache.get('g', load))!.group.name).toBe('v2');
    await new Promise((r) => setTimeout(r, 60));
    expect((await cache.get('g', load))!.group.name).toBe('v3');
  });

  it('does not keep what a load read while an invalidation happened', async () => {
    const cache = new GroupCache();
    let release!: () => void;
    const slow = cache.get('g', () => new Promise((resolve) => (release = () => resolve(snapshot('stale')))));
    cache.invalidate('g');
    release();
    expect((await slow)!.group.name).toBe('stale');
    expect((await cache.get('g', async () => snapshot('fresh')))!.group.name).toBe('fresh');
  });

  it('does not remember missing groups, and stays within its size', async () => {
    const cache = new GroupCache(10_000, 2);
    expect(await cache.get('missing', async () => null)).toBeNull();
    expect((await cache.get('missing', async () => snapshot('now there')))!.group.name).toBe('now there');
    await cache.get('b', async () => snapshot('b'));
    await cache.get('c', async () => snapshot('c'));
    expect((await cache.get('missing', async () => snapshot('reloaded')))!.group.name).toBe('reloaded');
  });

  it('keeps what a load read when only other groups were invalidated meanwhile (a busy group must not stop caching)', async () => {
    const cache = new GroupCache();
    let release!: () => void;
    const slow = cache.get('quiet', () => new Promise((resolve) => (release = () => resolve(snapshot('read once')))));
    cache.invalidate('busy');
    release();
    await slow;
    expect((await cache.get('quiet', async () => snapshot('read twice')))!.group.name).toBe('read once');
  });

  it('serves rows from snapshots or row entries, loads only the missing ones, and leaves out groups that do not exist', async () => {
    const cache = new GroupCache();
    await cache.get('a', async () => snapshot('a'));
    const loads: string[] = [];
    const load = async (id: string) => {
      loads.push(id);
      return id === 'gone' ? null : ({ name: `${id}${loads.length}` } as unknown as GroupSnapshot['group']);
    };
    const first = await cache.getRows(['a', 'b', 'gone'], load);
    expect([...first.entries()].map(([id, g]) => [id, g.name])).toEqual([['a', 'a'], ['b', 'b1']]);
    const second = await cache.getRows(['a', 'b', 'gone'], load);
    expect(second.get('b')!.name).toBe('b1');
    expect(loads).toEqual(['b', 'gone', 'gone']);
    cache.invalidate('b');
    expect((await cache.getRows(['b'], load)).get('b')!.name).toBe('b4');
  });

  it('does not keep rows a load read while their group was invalidated, nor anything read before a clear', async () => {
    const cache = new GroupCache();
    const gates: Array<() => void> = [];
    const load = (id: string) => new Promise<GroupSnapshot['group']>((resolve) =>
      gates.push(() => resolve({ name: `stale ${id}` } as unknown as GroupSnapshot['group'])));
    const rows = cache.getRows(['x', 'y'], load);
    cache.invalidate('x');
    gates.forEach((open) => open());
    await rows;
    const fresh = async (id: string) => ({ name: `fresh ${id}` } as unknown as GroupSnapshot['group']);
    const after = await cache.getRows(['x', 'y'], fresh);
    expect([after.get('x')!.name, after.get('y')!.name]).toEqual(['fresh x', 'stale y']);
    const before = cache.getRows(['z'], load);
    cache.clear();
    gates.at(-1)!();
    await before;
    expect((await cache.getRows(['z'], fresh)).get('z')!.name).toBe('fresh z');
  });

  it('shares one read of a row among concurrent lists that miss it, but not a read an invalidation overtook', async () => {
    const cache = new GroupCache();
    const gates: Array<() => void> = [];
    let reads = 0;
    const load = (id: string) => new Promise<GroupSnapshot['group']>((resolve) => {
      const n = ++reads;
      gates.push(() => resolve({ name: `${id}${n}` } as unknown as GroupSnapshot['group']));
    });
    const one = cache.getRows(['g'], load);
    const two = cache.getRows(['g'], load);
    expect(reads).toBe(1);
    cache.invalidate('g');
    const three = cache.getRows(['g'], load);
    expect(reads).toBe(2);
    gates.forEach((open) => open());
    expect([(await one).get('g')!.name, (await two).get('g')!.name, (await three).get('g')!.name]).toEqual(['g1', 'g1', 'g2']);
  });

  it('shares one read of a snapshot among concurrent sends that miss it, but not a read an invalidation overtook', async () => {
    const cache = new GroupCache();
    const gates: Array<() => void> = [];
    let reads = 0;
    const load = () => new Promise<GroupSnapshot>((resolve) => {
      const n = ++reads;
      gates.push(() => resolve(snapshot(`v${n}`)));
    });
    const sends = Array.from({ length: 50 }, () => cache.get('g', load));
    expect(reads).toBe(1);
    cache.invalidate('g');
    const after = cache.get('g', load);
    expect(reads).toBe(2);
    gates.forEach((open) => open());
    expect(new Set((await Promise.all(sends)).map((s) => s!.group.name))).toEqual(new Set(['v1']));
    expect((await after)!.group.name).toBe('v2');
    expect((await cache.get('g', load))!.group.name).toBe('v2'); // the read begun after the invalidation was kept
    expect(reads).toBe(2);
  });
});
