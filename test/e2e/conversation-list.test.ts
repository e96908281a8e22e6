import { describe, expect, it } from 'vitest';
import { storageBackends } from '../support/backends.js';
import { chatSuite, ChatApi, DAY, newUser, nowSeconds } from '../support/chat-api.js';

/**
 * The original's functional checklist (test_functional.py), the lines about the conversation list, on both
 * storages. Each test is named after the original's test. "list" = our default list (visible groups, read or not).
 */
describe.each(await storageBackends())('conversation list with $name storage', (backend) => {
  let c: ChatApi;
  chatSuite(() => backend.env(), (chat) => {
    c = chat;
  });

  it('get_groups_for_user_before_joining: a new user has no groups', async () => {
    expect(await c.list(newUser())).toEqual([]);
  });

  it('get_groups_for_user_after_joining: after creating a group, one', async () => {
    const u = newUser();
    await c.create(u);
    expect(await c.list(u)).toHaveLength(1);
  });

  it('leaving_a_group / group_exists_when_leaving: 0, create 1, leave 0', async () => {
    const u = newUser();
    expect(await c.list(u)).toHaveLength(0);
    const g = await c.create(u);
    expect(await c.list(u)).toHaveLength(1);
    await c.leave(g, u);
    expect(await c.list(u)).toHaveLength(0);
  });

  it('another_user_joins_group / users_in_group: only the creator has it until the other joins', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = await c.create(u);
    expect(await c.listIds(u)).toEqual([g]);
    expect(await c.listIds(o)).toEqual([]);
    await c.join(g, [o]);
    expect(await c.listIds(o)).toEqual([g]);
  });

  it('join_existing_group: a user can join a group created with other users', async () => {
    const [u, o, t] = [newUser(), newUser(), newUser()];
    const g = await c.create(u, [o]);
    expect((await c.join(g, [t])).user_count).toBe(3);
    expect(await c.listIds(t)).toEqual([g]);
  });

  it('delete_all_groups_for_user: leaving every group empties the list, with 1 group and with 4', async () => {
    for (const n of [1, 4]) {
      const u = newUser();
      const groups = [];
      for (let i = 0; i < n; i++) groups.push(await c.create(u, [newUser()]));
      expect(await c.list(u)).toHaveLength(n);
      for (const g of groups) await c.leave(g, u);
      expect(await c.list(u)).toEqual([]);
    }
  });

  it('pin_group_changes_ordering: newest message first; pinned on top; unpinned back in message order', async () => {
    const u = newUser();
    const [g1, g2] = [await c.create(u), await c.create(u)];
    await c.send(g1, u);
    await c.send(g2, u);
    await c.settles('g2 newest first', () => c.listIds(u), [g2, g1]);
    await c.update(g1, u, { pin: true });
    expect(await c.listIds(u)).toEqual([g1, g2]);
    await c.send(g2, u);
    expect(await c.listIds(u)).toEqual([g1, g2]);
    await c.update(g1, u, { pin: false });
    expect(await c.listIds(u)).toEqual([g2, g1]);
  });

  it('highlight_group_for_other_user: a highlight two days ahead puts the older group above the newer', async () => {
    const [u, o] = [newUser(), newUser()];
    const [g1, g2] = [await c.create(u, [o]), await c.create(u, [o])];
    await c.send(g1, u);
    await c.send(g2, u);
    await c.settles('g2 newest first', () => c.listIds(o), [g2, g1]);
    await c.update(g1, o, { highlight_time: nowSeconds() + 2 * DAY });
    expect(await c.listIds(o)).toEqual([g1, g2]);
  });

  it('highlight_makes_group_unhidden: hidden, 0 groups; highlighted, visible again', async () => {
    const u = newUser();
    const g = await c.create(u);
    await c.update(g, u, { hide: true });
    expect(await c.list(u)).toHaveLength(0);
    await c.update(g, u, { highlight_time: nowSeconds() });
    expect(await c.listIds(u)).toEqual([g]);
  });

  it('group_unhidden_on_new_message_for_all_users: O hides it; U sends; both list it', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = await c.create(u, [o]);
    await c.update(g, o, { hide: true });
    expect(await c.list(o)).toHaveLength(0);
    await c.send(g, u);
    await c.settles('O lists it again', () => c.listIds(o), [g]);
    expect(await c.listIds(u)).toEqual([g]);
  });

  it('new_message_wakeup_users: a hidden group stays hidden until the peer sends, then shows with hide=false', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = (await c.sendTo(u, o)).group_id;
    await c.update(g, o, { hide: true });
    expect(await c.listIds(o, { hidden: true })).toEqual([g]);
    expect(await c.listIds(o)).toEqual([]);
    await c.sendTo(u, o);
    await c.settles('visible again', () => c.listIds(o), [g]);
    expect((await c.row(o, g)).stats.hide).toBe(false);
    expect(await c.listIds(o, { hidden: true })).toEqual([]);
  });

  it('change_group_name / change_group_owner: the list shows the new name and owner', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = await c.create(u, [o]);
    await c.call('PUT', `/v1/groups/${g}`, { group_name: 'renamed', owner: o });
    expect((await c.list(u))[0].group).toMatchObject({ name: 'renamed', owner_id: o });
  });

  it('until_param_excluded_matching_group_in_list: until is exclusive', async () => {
    const u = newUser();
    const [older, newer] = [await c.create(u), await c.create(u)];
    await c.send(older, u);
    await c.send(newer, u);
    await c.settles('both sent', () => c.listIds(u), [newer, older]);
    const rows = await c.list(u);
    const olderTime = rows[1].group.last_message_time;
    expect(await c.list(u, { until: olderTime })).toEqual([]);
    expect(await c.listIds(u, { until: rows[0].group.last_message_time })).toEqual([older]);
  });

  it('receiver_unread_count: one-to-one unread and receiver_unread on both sides', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = (await c.sendTo(u, o)).group_id;
    const counts = async (who: number) => {
      const { stats } = await c.row(who, g, { receiver_stats: true });
      return [stats.unread, stats.receiver_unread];
    };
    await c.settles('U 0, O 1', () => counts(u), [0, 1]);
    await c.sendTo(u, o);
    await c.settles('U 0, O 2', () => counts(u), [0, 2]);
    expect(await counts(o)).toEqual([2, 0]);
    await c.sendTo(o, u);
    await c.settles('O read by replying; U has 1', () => counts(o), [0, 1]);
  });

  it('unread_count_is_negative_if_query_says_do_not_count: -1 and -1', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = (await c.sendTo(u, o)).group_id;
    const { stats } = await c.row(o, g, { count_unread: false, receiver_stats: false });
    expect([stats.unread, stats.receiver_unread]).toEqual([-1, -1]);
  });

  it('groups_for_user_only_unread_includes_bookmarks: only_unread shows 0, then 1 after bookmarking', async () => {
    const u = newUser();
    const g = await c.create(u);
    expect(await c.list(u, { only_unread: true })).toEqual([]);
    await c.update(g, u, { bookmark: true });
    expect(await c.listIds(u, { only_unread: true })).toEqual([g]);
  });

  it('bookmark_removed_on_get_histories: opening the history removes the bookmark', async () => {
    const u = newUser();
    const g = await c.create(u);
    await c.update(g, u, { bookmark: true });
    await c.open(g, u);
    expect(await c.list(u, { only_unread: true })).toEqual([]);
    expect((await c.row(u, g)).stats.bookmark).toBe(false);
  });

  it('update_bookmark: false, true, false in the list', async () => {
    const u = newUser();
    const g = await c.create(u);
    const bookmark = async () => (await c.row(u, g)).stats.bookmark;
    expect(await bookmark()).toBe(false);
    await c.update(g, u, { bookmark: true });
    expect(await bookmark()).toBe(true);
    await c.update(g, u, { bookmark: false });
    expect(await bookmark()).toBe(false);
  });

  it('receiver_highlight_exists_in_group_list: always there; follows the peer\'s highlight', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = (await c.sendTo(u, o)).group_id;
    const before = (await c.row(u, g)).stats.receiver_highlight_time;
    expect(before).toBeTypeOf('number');
    const at = nowSeconds() + DAY;
    await c.update(g, o, { highlight_time: at });
    expect((await c.row(u, g)).stats.receiver_highlight_time).toBeCloseTo(at, 5);
  });

  it('receiver_hide_exists_in_group_list: after O hides, U sees receiver_hide and its own hide false', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = (await c.sendTo(u, o)).group_id;
    await c.update(g, o, { hide: true });
    expect((await c.row(u, g, { receiver_stats: true })).stats).toMatchObject({ hide: false, receiver_hide: true });
  });

  it('receiver_delete_before_in_group_list: the peer\'s delete_before shows; one\'s own is unchanged', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = (await c.sendTo(u, o)).group_id;
    const first = (await c.row(u, g, { receiver_stats: true })).stats;
    expect(first.receiver_delete_before).toBe(first.delete_before); // both joined with the group's creation
    const at = nowSeconds();
    await c.update(g, o, { delete_before: at });
    const after = (await c.row(u, g, { receiver_stats: true })).stats;
    expect(after.receiver_delete_before).toBeCloseTo(at, 5);
    expect(after.delete_before).toBe(first.delete_before);
  });
});
