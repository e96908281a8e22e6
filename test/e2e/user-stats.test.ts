import { describe, expect, it } from 'vitest';
import { storageBackends } from '../support/backends.js';
import { afterEverythingSent, chatSuite, ChatApi, newUser, nowSeconds } from '../support/chat-api.js';

/**
 * The original's checklist on a user's totals (`POST /v1/userstats/{uid}`): test_functional.py, the group-count
 * tests (test_count_groups.py, test_group_count_cache.py), test_hide.py and test_only_unread_groups.py; both storages.
 */
describe.each(await storageBackends())('user stats with $name storage', (backend) => {
  let c: ChatApi;
  chatSuite(() => backend.env(), (chat) => {
    c = chat;
  });
  const amounts = async (u: number, body: Record<string, unknown> = {}) => {
    const s = await c.stats(u, body);
    return [s.group_amount, s.one_to_one_amount];
  };
  const unread = async (u: number, body: Record<string, unknown> = {}) => (await c.stats(u, body)).unread_amount;
  /** `n` one-to-ones from new users to `u`, one message each; their group ids. */
  const incoming = async (u: number, n: number) => {
    const groups = [];
    for (let i = 0; i < n; i++) groups.push((await c.sendTo(newUser(), u)).group_id as string);
    await c.settles(`${n} unread`, () => unread(u), n);
    return groups;
  };

  it('count_group_types_in_user_stats: 0/0, 0/1, 1/1, 2/1, 2/2', async () => {
    const u = newUser();
    expect(await amounts(u)).toEqual([0, 0]);
    await c.sendTo(u, newUser());
    expect(await amounts(u)).toEqual([0, 1]);
    await c.create(u);
    expect(await amounts(u)).toEqual([1, 1]);
    await c.create(u);
    expect(await amounts(u)).toEqual([2, 1]);
    await c.sendTo(newUser(), u);
    expect(await amounts(u)).toEqual([2, 2]);
  });

  it('test_group_count_cache count_increases: one one-to-one, then two after a new one', async () => {
    const u = newUser();
    await c.sendTo(u, newUser());
    expect(await amounts(u)).toEqual([0, 1]);
    await c.sendTo(u, newUser());
    expect(await amounts(u)).toEqual([0, 2]);
  });

  it('user_stats_group_read_and_send_times: last_sent_group_id is the group sent to; last_sent_time moves', async () => {
    const u = newUser();
    const g1 = (await c.sendTo(u, newUser())).group_id;
    await c.settles('g1 last', async () => (await c.stats(u)).last_sent_group_id, g1);
    const first = (await c.stats(u)).last_sent_time;
    const g2 = (await c.sendTo(u, newUser())).group_id;
    await c.settles('g2 last', async () => (await c.stats(u)).last_sent_group_id, g2);
    expect((await c.stats(u)).last_sent_time).toBeGreaterThan(first);
  });

  it('hidden_groups_is_not_counted_in_user_stats_api: one_to_one_amount with hidden=false 2, 1, 0, 1', async () => {
    const u = newUser();
    const [g1, g2] = await incoming(u, 2);
    const ones = async () => (await c.stats(u, { hidden: false })).one_to_one_amount;
    expect(await ones()).toBe(2);
    await c.update(g1!, u, { hide: true });
    expect(await ones()).toBe(1);
    await c.update(g2!, u, { hide: true });
    expect(await ones()).toBe(0);
    await c.update(g2!, u, { hide: false });
    expect(await ones()).toBe(1);
  });

  it('hidden_groups_is_counted_in_user_stats_api_if_specified_in_request: hidden=true counts hidden ones, 1 then 2', async () => {
    const u = newUser();
    const [g1, g2] = await incoming(u, 3);
    await c.update(g1!, u, { hide: true });
    expect((await c.stats(u, { hidden: true })).one_to_one_amount).toBe(1);
    await c.update(g2!, u, { hide: true });
    expect((await c.stats(u, { hidden: true })).one_to_one_amount).toBe(2);
  });

  it('hidden_groups_is_not_counted_if_not_specified: hidden=null counts both (3); Dino\'s default counts visible ones', async () => {
    const u = newUser();
    const [g1] = await incoming(u, 3);
    expect((await c.stats(u, { hidden: null })).one_to_one_amount).toBe(3);
    await c.update(g1!, u, { hide: true });
    expect((await c.stats(u, { hidden: null })).one_to_one_amount).toBe(3);
    expect((await c.stats(u)).one_to_one_amount).toBe(2); // the original's default is null; Dino's is false (README)
  });

  it('unread_groups_amount_in_user_stats: 0; -1 without counting; +1 per sending group, not per message', async () => {
    const u = newUser();
    await c.create(u);
    expect((await c.stats(u)).unread_groups_amount).toBe(0);
    expect((await c.stats(u, { count_unread: false })).unread_groups_amount).toBe(-1);
    const o = newUser();
    await c.sendTo(o, u);
    await c.settles('one group', async () => (await c.stats(u)).unread_groups_amount, 1);
    await c.sendTo(o, u);
    await c.settles('two messages', () => unread(u), 2);
    expect((await c.stats(u)).unread_groups_amount).toBe(1);
    await c.sendTo(newUser(), u);
    await c.settles('two groups', async () => (await c.stats(u)).unread_groups_amount, 2);
  });

  it('total_unread_count_changes_when_user_read_time_changes: 10, 20; 1/10; 2; 3/0', async () => {
    const [u, o] = [newUser(), newUser()];
    const [g1, g2] = [await c.create(u, [o]), await c.create(u, [o])];
    for (let i = 0; i < 10; i++) await c.send(g1, u);
    await c.settles('O 10', () => unread(o), 10);
    for (let i = 0; i < 10; i++) await c.send(g2, u);
    await c.settles('O 20', () => unread(o), 20);
    await c.send(g2, o);
    await c.settles('U 1, O 10', async () => [await unread(u), await unread(o)], [1, 10]);
    await c.send(g2, o);
    await c.settles('U 2', () => unread(u), 2);
    await c.send(g1, o);
    await c.settles('U 3, O 0', async () => [await unread(u), await unread(o)], [3, 0]);
  });

  it('total_unread_count_after_deleting_all_group: 4 incoming one-to-ones, 4/4; after leaving them all, 0/0', async () => {
    const u = newUser();
    const groups = await incoming(u, 4);
    expect([await unread(u), (await c.stats(u)).one_to_one_amount]).toEqual([4, 4]);
    for (const g of groups) await c.leave(g, u);
    expect([await unread(u), (await c.stats(u)).one_to_one_amount]).toEqual([0, 0]);
  });

  it('total_unread_count_after_hiding_one_group: hidden=false 3 groups, 3 unread; hidden=null 4 groups, 3 unread', async () => {
    const u = newUser();
    const [g1] = await incoming(u, 4);
    await c.update(g1!, u, { hide: true });
    const of = async (hidden: boolean | null) => {
      const s = await c.stats(u, { hidden });
      return [s.one_to_one_amount, s.unread_amount];
    };
    expect(await of(false)).toEqual([3, 3]);
    expect(await of(null)).toEqual([4, 3]);
  });

  it('total_unread_count_after_deleting_one_group: delete_before in the future, 3 groups and 3 unread', async () => {
    const u = newUser();
    const [g1] = await incoming(u, 4);
    await c.update(g1!, u, { delete_before: nowSeconds() + 60 });
    const s = await c.stats(u);
    expect([s.one_to_one_amount, s.unread_amount]).toEqual([3, 3]);
    expect(await c.list(u)).toHaveLength(3);
  });

  it('total_unread_count_after_bookmarking_one_group: 6; read the 3-message group 3; bookmark 4; unbookmark 3', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = (await c.sendTo(o, u)).group_id;
    await c.sendTo(o, u);
    await c.sendTo(o, u);
    for (let i = 0; i < 3; i++) await c.sendTo(newUser(), u);
    await c.settles('6 unread', () => unread(u), 6);
    await c.open(g, u);
    expect(await unread(u)).toBe(3);
    await c.update(g, u, { bookmark: true });
    expect(await unread(u)).toBe(4);
    await c.update(g, u, { bookmark: false });
    expect(await unread(u)).toBe(3);
  });

  it('test_count_groups count_groups_including_deleted: deleted default 2, null 3, true 1, false 2', async () => {
    const u = newUser();
    const [g1] = await incoming(u, 3);
    await c.update(g1!, u, { delete_before: afterEverythingSent() });
    const ones = async (body: Record<string, unknown>) => (await c.stats(u, body)).one_to_one_amount;
    expect([await ones({}), await ones({ deleted: null }), await ones({ deleted: true }), await ones({ deleted: false })])
      .toEqual([2, 3, 1, 2]);
    expect((await c.list(u, { deleted: true })).map((r) => r.stats.deleted)).toEqual([true]);
  });

  it('test_hide bookmark_remains_when_hide_removed: bookmarked and hidden, 0 groups and 0 unread; a message shows it, still bookmarked', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = (await c.sendTo(o, u)).group_id;
    await c.open(g, u);
    await c.update(g, u, { bookmark: true });
    await c.update(g, u, { hide: true });
    expect([(await c.list(u)).length, await unread(u)]).toEqual([0, 0]);
    await c.sendTo(o, u);
    // The original counts a bookmarked group as 1 in the total; Dino counts its message and the bookmark (README).
    await c.settles('visible with 2 unread', () => unread(u), 2);
    expect((await c.row(u, g)).stats).toMatchObject({ bookmark: true, hide: false });
  });

  it('test_only_unread_groups only_unread: of 2 groups the one with news, with or without count_unread', async () => {
    const u = newUser();
    await c.create(u);
    const g = (await c.sendTo(newUser(), u)).group_id;
    await c.settles('one unread', () => c.listIds(u, { only_unread: true }), [g]);
    expect(await c.listIds(u, { only_unread: true, count_unread: false })).toEqual([g]);
  });

  it('test_only_unread_groups hide_only_unread: hiding drops it; opening shows it with 0; a message 1; hiding 0', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = (await c.sendTo(o, u)).group_id;
    await c.settles('unread', () => c.listIds(u, { only_unread: true }), [g]);
    await c.update(g, u, { hide: true });
    expect(await c.list(u, { only_unread: true })).toEqual([]);
    await c.open(g, u);
    expect(await c.listIds(u)).toEqual([g]);
    expect(await c.list(u, { only_unread: true })).toEqual([]);
    await c.sendTo(o, u);
    await c.settles('unread again', () => c.listIds(u, { only_unread: true }), [g]);
    await c.update(g, u, { hide: true });
    expect(await c.list(u, { only_unread: true })).toEqual([]);
  });
});
