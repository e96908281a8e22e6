import { describe, expect, it } from 'vitest';
import { GroupCache, withLastMessage, type GroupSnapshot } from '../../src/core/group-cache.js';
import type { Group, Message } from '../../src/core/model.js';

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

describe('GroupCache: a group\'s last message moved by the projector', () => {
  const row = (lastMessageTime: number, lastMessageId: string | null = 'm0'): Group => ({
    groupId: 'g', name: 'g', description: null, status: 0, groupType: 0, ownerId: 1, meta: null, createdAt: 100, updatedAt: 150,
    lastMessageTime, lastMessageId, lastMessageUserId: 1, lastMessageType: 'text', lastMessageOverview: 'old' });
  const message = (createdAt: number, messageId = `m${createdAt}`): Message => ({
    groupId: 'g', messageId, senderId: 2, payload: `at ${createdAt}`, messageType: 'image', createdAt });

  it('takes a newer message\'s fields and moves updated_at forward to it; keeps an older one\'s or a repeat\'s row', () => {
    expect(withLastMessage(row(200), message(300))).toEqual({ ...row(200), lastMessageTime: 300, lastMessageId: 'm300',
      lastMessageUserId: 2, lastMessageType: 'image', lastMessageOverview: 'at 300', updatedAt: 300 });
    expect(withLastMessage({ ...row(200), updatedAt: 400 }, message(300))!.updatedAt).toBe(400); // renamed later
    const group = row(200);
    expect(withLastMessage(group, message(199))).toBe(group);
    expect(withLastMessage(group, message(200, 'm0'))).toBe(group);
    expect(withLastMessage(group, message(200, 'other'))).toBeNull(); // the storage's tie-break is its own
    expect(withLastMessage(group, message(201))).toBeNull(); // may tie with a revision of m0 (Cassandra writes it at 201)
  });

  it('moves the cached snapshot and row in place: the next send and list read nothing', async () => {
    const cache = new GroupCache();
    const members = [{ userId: 1, joinTime: 100 }];
    let reads = 0;
    await cache.get('g', async () => ({ group: row(200), members }));
    await cache.getRows(['h'], async () => ({ ...row(200), groupId: 'h' }));
    cache.moveLastMessage('g', message(300));
    cache.moveLastMessage('h', { ...message(300), groupId: 'h' });
    cache.moveLastMessage('g', message(250)); // late and older: changes nothing
    const snapshot = await cache.get('g', async () => {
      reads++;
      return null;
    });
    expect(snapshot!.group).toMatchObject({ lastMessageTime: 300, lastMessageOverview: 'at 300' });
    expect(snapshot!.members).toBe(members);
    expect((await cache.getRows(['g', 'h'], async () => {
      reads++;
      return null;
    })).get('h')).toMatchObject({ lastMessageTime: 300, lastMessageId: 'm300' });
    expect(reads).toBe(0);
  });

  it('does not keep a row read before the move, even when its read was done and only the list\'s others were not', async () => {
    const cache = new GroupCache();
    const gates = new Map<string, () => void>();
    const list = cache.getRows(['g', 'h'], (id) => new Promise((resolve) => gates.set(id, () => resolve({ ...row(200), groupId: id }))));
    gates.get('g')!();
    await new Promise((resolve) => setImmediate(resolve)); // g's read is done; the list keeps rows once h's is too
    cache.moveLastMessage('g', message(300));
    gates.get('h')!();
    expect((await list).get('g')!.lastMessageTime).toBe(200); // what that list read
    let reads = 0;
    const again = await cache.getRows(['g'], async () => {
      reads++;
      return row(300, 'm300');
    });
    expect([reads, again.get('g')!.lastMessageTime]).toEqual([1, 300]);
  });

  it('drops the entry when it cannot tell which message storage kept, and a read under way is not kept', async () => {
    const cache = new GroupCache();
    await cache.get('g', async () => ({ group: row(200), members: [] }));
    cache.moveLastMessage('g', message(200, 'same time, another message'));
    let release!: () => void;
    const slow = cache.get('g', () => new Promise((resolve) => (release = () => resolve({ group: row(200), members: [] }))));
    cache.moveLastMessage('g', message(300)); // the read under way may have read the row before this was stored
    release();
    expect((await slow)!.group.lastMessageTime).toBe(200);
    expect((await cache.get('g', async () => ({ group: row(300, 'm300'), members: [] })))!.group.lastMessageTime).toBe(300);
  });
});
