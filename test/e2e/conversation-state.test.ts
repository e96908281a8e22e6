import { describe, expect, it } from 'vitest';
import { storageBackends } from '../support/backends.js';
import { chatSuite, ChatApi, DAY, newUser, nowSeconds } from '../support/chat-api.js';
import { api, type DinoProcess } from '../support/dino-process.js';

const LONG_AGO = 789_000_000;

/**
 * The original's checklist on a member's own state (test_functional.py, test_bookmark.py, and test_kick.py,
 * test_leave.py, test_last_read_time.py where they concern it), on both storages; named after the original's tests.
 */
describe.each(await storageBackends())('member state with $name storage', (backend) => {
  let dino: DinoProcess;
  let c: ChatApi;
  chatSuite(() => backend.env(), (chat, started) => {
    [c, dino] = [chat, started];
  });
  const stats = async (g: string, u: number) => (await c.state(g, u)).stats;
  const lastUpdated = async (g: string, u: number) => (await stats(g, u)).last_updated_time as number;

  it('update_user_statistics_in_group: a read mark set is read back', async () => {
    const u = newUser();
    const g = await c.create(u);
    const now = nowSeconds();
    await c.update(g, u, { last_read_time: now });
    expect(await stats(g, u)).toMatchObject({ group_id: g, user_id: u, last_read_time: now });
  });

  it('one_user_deletes_some_history: U sees only what came after its delete_before; O sees everything', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = await c.create(u, [o]);
    for (let i = 0; i < 4; i++) await c.send(g, u, `u${i}`);
    const fromO = [];
    for (let i = 0; i < 4; i++) fromO.push(await c.send(g, o, `o${i}`));
    await c.update(g, u, { delete_before: fromO[0].created_at });
    // The original also shows a join action log (9 for O); Dino keeps no action logs in histories.
    expect((await c.open(g, u)).map((m) => m.message_payload)).toEqual(['o3', 'o2', 'o1']);
    expect(await c.open(g, o)).toHaveLength(8);
  });

  it('joining_a_group_changes_last_update_time: the group\'s updated_at moves on a send and on a join', async () => {
    const u = newUser();
    const g = await c.create(u);
    const updatedAt = async () => (await c.call('GET', `/v1/groups/${g}`)).updated_at as number;
    const t0 = await updatedAt();
    await c.send(g, u);
    await c.settles('moved by the send', async () => (await updatedAt()) > t0, true);
    const t1 = await updatedAt();
    await c.join(g, [newUser()]);
    expect(await updatedAt()).toBeGreaterThan(t1);
  });

  it('last_updated_at_changes_on_send_msg: the sender\'s last_updated_time grows with another send', async () => {
    const u = newUser();
    const g = await c.create(u);
    await c.send(g, u);
    await c.settles('first send applied', async () => (await lastUpdated(g, u)) > 0, true);
    const before = await lastUpdated(g, u);
    await c.send(g, u);
    await c.settles('grew', async () => (await lastUpdated(g, u)) > before, true);
  });

  for (const [name, body] of [['highlight', { highlight_time: nowSeconds() + DAY }], ['bookmark_true', { bookmark: true }],
    ['bookmark_false', { bookmark: false }], ['hide_true', { hide: true }], ['hide_false', { hide: false }]] as const) {
    it(`last_updated_at_changes_on_${name}: last_updated_time strictly increases`, async () => {
      const u = newUser();
      const g = await c.create(u);
      const before = await lastUpdated(g, u);
      await c.update(g, u, body);
      expect(await lastUpdated(g, u)).toBeGreaterThan(before);
    });
  }

  it('last_updated_at_changes_on_name_change: last_updated_time strictly increases', async () => {
    const u = newUser();
    const g = await c.create(u);
    const before = await lastUpdated(g, u);
    await c.call('PUT', `/v1/groups/${g}`, { group_name: 'new name' });
    expect(await lastUpdated(g, u)).toBeGreaterThan(before);
  });

  it('last_updated_at_changes_on_no_more_unread: the receiver opening the history moves its last_updated_time', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = (await c.sendTo(u, o)).group_id;
    await c.settles('O has the message', async () => (await stats(g, o)).unread, 1);
    const before = await lastUpdated(g, o);
    await c.open(g, o);
    expect(await lastUpdated(g, o)).toBeGreaterThan(before);
  });

  it('last_updated_at_changes_on_new_message_other_user: each incoming message moves it', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = (await c.sendTo(u, o)).group_id;
    for (let i = 0; i < 2; i++) {
      const before = await lastUpdated(g, o);
      const sent = await c.sendTo(u, o);
      await c.settles('moved to the message', async () => (await lastUpdated(g, o)) >= sent.created_at, true);
      expect(await lastUpdated(g, o)).toBeGreaterThan(before);
    }
  });

  it('get_groups_updated_since: none before, one after a send, none with since in the future', async () => {
    const [u, o] = [newUser(), newUser()];
    const since = nowSeconds() - 100;
    expect(await c.updates(o, since)).toEqual([]);
    const g = (await c.sendTo(u, o)).group_id;
    await c.settles('one update', async () => (await c.updates(o, since)).map((r) => r.group.group_id), [g]);
    expect(await c.updates(o, nowSeconds() + 400)).toEqual([]);
  });

  it('mark_all_groups_as_read_removes_bookmark and mark_all_groups_as_read_resets_count', async () => {
    const [u, o] = [newUser(), newUser()];
    const g1 = (await c.sendTo(u, o)).group_id;
    const g2 = await c.create(o);
    await c.update(g2, o, { bookmark: true });
    await c.settles('one unread in g1', async () => (await stats(g1, o)).unread, 1);
    expect(await c.readAll(o)).toEqual({ groups: 2 });
    expect(await stats(g1, o)).toMatchObject({ unread: 0 });
    expect(await stats(g2, o)).toMatchObject({ unread: 0, bookmark: false });
  });

  it('new_message_resets_delete_before: joined just after delete_before; a message does not reset a user\'s delete_before', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = (await c.sendTo(u, o)).group_id;
    const first = await stats(g, o);
    expect(first.join_time).toBeCloseTo(first.delete_before + 0.000001, 6); // the original: one second; Dino: 1 µs
    const yesterday = nowSeconds() - DAY;
    await c.update(g, o, { delete_before: yesterday });
    const synced = (await c.updates(o, yesterday)).find((r) => r.group.group_id === g);
    expect(synced.stats.delete_before).toBeCloseTo(yesterday, 5);
    await c.sendTo(u, o);
    await c.settles('the message is there', async () => (await stats(g, o)).unread, 2);
    expect((await stats(g, o)).delete_before).toBeCloseTo(yesterday, 5);
  });

  it('test_bookmark removing_bookmark_resets_unread_count: 1, bookmark 2, unbookmark 0', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = (await c.sendTo(u, o)).group_id;
    await c.settles('one unread', async () => (await stats(g, o)).unread, 1);
    await c.update(g, o, { bookmark: true });
    expect((await stats(g, o)).unread).toBe(2);
    await c.update(g, o, { bookmark: false });
    expect((await stats(g, o)).unread).toBe(0);
  });

  it('test_bookmark removing_bookmark_resets_highlight: kept while bookmarked, seen by the peer; unbookmark resets both', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = (await c.sendTo(u, o)).group_id;
    const at = nowSeconds() + DAY;
    await c.update(g, o, { highlight_time: at });
    await c.update(g, o, { bookmark: true });
    expect((await stats(g, o)).highlight_time).toBeCloseTo(at, 5);
    expect((await stats(g, u)).receiver_highlight_time).toBeCloseTo(at, 5);
    await c.update(g, o, { bookmark: false });
    expect(await stats(g, o)).toMatchObject({ highlight_time: LONG_AGO, unread: 0 });
    expect((await stats(g, u)).receiver_highlight_time).toBe(LONG_AGO);
  });

  it('test_bookmark removing_bookmark_resets_last_read: a bookmark and new messages keep last_read_time; unbookmark moves it', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = (await c.sendTo(u, o)).group_id;
    const read = (await stats(g, o)).last_read_time;
    await c.update(g, o, { bookmark: true });
    await c.sendTo(u, o);
    await c.settles('two unread and the bookmark', async () => (await stats(g, o)).unread, 3);
    expect((await stats(g, o)).last_read_time).toBe(read);
    await c.update(g, o, { bookmark: false });
    expect((await stats(g, o)).last_read_time).toBeGreaterThan(read);
  });

  it('test_kick: the flag shows, the group stays in the kicked user\'s list, the user leaves the member list', async () => {
    const [u, o, t] = [newUser(), newUser(), newUser()];
    const g = await c.create(u, [o, t]);
    await c.update(g, t, { kicked: true });
    expect((await stats(g, t)).kicked).toBe(true);
    expect(await c.listIds(t)).toEqual([g]);
    expect((await c.call('GET', `/v1/groups/${g}`)).users.map((m: any) => m.user_id)).not.toContain(t);
  });

  it('test_kick kicked_users_total_unread_count_is_not_updated, and a kicked user gets 606 on the history', async () => {
    const [u, o, t] = [newUser(), newUser(), newUser()];
    const g = await c.create(u, [o, t]);
    await c.update(g, t, { kicked: true });
    await c.send(g, u);
    await c.settles('O has one', async () => (await c.stats(o)).unread_amount, 1);
    expect((await c.stats(u)).unread_amount).toBe(0);
    expect((await c.stats(t)).unread_amount).toBe(0);
    const history = await api(dino.base, 'POST', `/v1/groups/${g}/user/${t}/histories`, { per_page: 10 });
    expect(history).toMatchObject({ status: 400, body: { code: 606 } });
    const sent = await api(dino.base, 'POST', `/v1/groups/${g}/user/${t}/send`, { message_payload: 'x', message_type: 'text' });
    expect(sent).toMatchObject({ status: 400, body: { code: 600 } });
  });

  it('test_kick kick_resets_unread_count_mentions_pin_bookmark, and join_group_resets_kicked_variable', async () => {
    const [u, t] = [newUser(), newUser()];
    const g = await c.create(u, [t]);
    await c.send(g, u);
    await c.update(g, t, { pin: true, bookmark: true });
    await c.settles('unread with the bookmark', async () => (await stats(g, t)).unread, 2);
    await c.update(g, t, { kicked: true });
    expect(await stats(g, t)).toMatchObject({ kicked: true, pin: false, bookmark: false, unread: 0 });
    await c.join(g, [t]);
    expect(await stats(g, t)).toMatchObject({ kicked: false });
    expect(await c.open(g, t)).toHaveLength(1);
  });

  it('a kicked user who leaves loses its row: the group leaves its list', async () => {
    const [u, t] = [newUser(), newUser()];
    const g = await c.create(u, [t]);
    await c.update(g, t, { kicked: true });
    await c.leave(g, t);
    expect(await c.list(t)).toEqual([]);
    expect(await api(dino.base, 'GET', `/v1/groups/${g}/user/${t}`)).toMatchObject({ status: 400, body: { code: 600 } });
  });

  it('test_leave leave_removes_user_stats_entry: 200 before leaving, 400 with 600 after', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = await c.create(u, [o]);
    expect((await api(dino.base, 'GET', `/v1/groups/${g}/user/${o}`)).status).toBe(200);
    await c.leave(g, o);
    expect(await api(dino.base, 'GET', `/v1/groups/${g}/user/${o}`)).toMatchObject({ status: 400, body: { code: 600 } });
  });

  it('test_last_read_time last_read_api_one_user and last_read_api_all_user', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = (await c.sendTo(u, o)).group_id;
    const sent = await c.sendTo(u, o);
    await c.settles('the sender read its own message', async () =>
      (await c.call('POST', `/v1/groups/${g}/lastread`, { user_id: u })).last_read_times[0].last_read_time >= sent.created_at, true);
    const one = await c.call('POST', `/v1/groups/${g}/lastread`, { user_id: o });
    expect(one).toEqual({ group_id: g, last_read_times: [{ user_id: o, last_read_time: expect.any(Number) }] });
    const all = (await c.call('POST', `/v1/groups/${g}/lastread`, {})).last_read_times;
    const of = (id: number) => all.find((r: any) => r.user_id === id).last_read_time;
    expect(all).toHaveLength(2);
    expect(of(u)).toBeGreaterThan(of(o));
    expect(of(o)).toBeGreaterThan(LONG_AGO);
  });

  it('answers a bad update with 605 naming the field, a stranger with 600 and an unknown group with 601', async () => {
    const u = newUser();
    const g = await c.create(u);
    const bad = await api(dino.base, 'PUT', `/v1/groups/${g}/user/${u}/update`, { pin: 'yes' });
    expect(bad).toMatchObject({ status: 400, body: { code: 605 } });
    expect(bad.body.detail).toContain('pin');
    expect(await api(dino.base, 'PUT', `/v1/groups/${g}/user/${newUser()}/update`, { pin: true }))
      .toMatchObject({ status: 400, body: { code: 600 } });
    expect(await api(dino.base, 'PUT', `/v1/groups/${crypto.randomUUID()}/user/${u}/update`, { pin: true }))
      .toMatchObject({ status: 400, body: { code: 601 } });
  });
});
