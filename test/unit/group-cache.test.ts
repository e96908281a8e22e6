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
});
