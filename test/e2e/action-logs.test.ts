import { afterAll, describe, expect, it } from 'vitest';
import { storageBackends } from '../support/backends.js';
import { chatSuite, ChatApi, DAY, newUser, nowSeconds } from '../support/chat-api.js';
import { api, type DinoProcess } from '../support/dino-process.js';
import { MqttUser } from '../support/mqtt-user.js';

/**
 * Action logs written with a change (`action_log` on member-state, join and group-update bodies), in every group of a
 * user (`POST /v1/users/{uid}/groups/actions`), and the group's message count (`POST /v1/groups/{gid}`): the
 * original's checklist lines of those names, on both storages, events seen by real MQTT clients.
 */
describe.each(await storageBackends())('action logs with $name storage', (backend) => {
  let dino: DinoProcess;
  let c: ChatApi;
  const apps: MqttUser[] = [];
  chatSuite(() => backend.env(), (chat, started) => {
    [c, dino] = [chat, started];
  });
  afterAll(() => Promise.all(apps.map((a) => a.close())));
  const connect = async (id: number) => {
    const app = await MqttUser.connect(`mqtt://127.0.0.1:${dino.mqttPort}`, id);
    apps.push(app);
    return app;
  };
  const types = async (g: string, u: number) => (await c.open(g, u)).map((m) => m.message_type);

  it('create_action_log_updating_delete_before: delete_before (yesterday) with an action_log → the history has 2 messages', async () => {
    const [u, o] = [newUser(), newUser()];
    const appU = await connect(u);
    const g = await c.create(u, [o]);
    await c.send(g, u, 'before');
    const answer = await c.update(g, o, { delete_before: nowSeconds() - DAY, action_log: { payload: 'o cleared history' } });
    expect(answer.action_log).toMatchObject({ group_id: g, user_id: o, message_type: 'action_log', message_payload: 'o cleared history' });
    expect(answer.stats.delete_before).toBeLessThan(answer.action_log.created_at);
    expect(await types(g, o)).toEqual(['action_log', 'text']);
    const [event] = await appU.waitFor((e) => e.event_type === 'action_log');
    expect(event).toMatchObject({ group_id: g, sender_id: o, message_id: answer.action_log.message_id });
  });

  it('an action_log is written after the change: a delete_before of now hides the message, not the log', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = await c.create(u, [o]);
    const sent = await c.send(g, u, 'gone');
    // Now, by the later of this clock and Dino's (its message times come from its own monotonic clock, which may run a
    // few milliseconds ahead of this process's Date.now()).
    await c.update(g, o, { delete_before: Math.max(nowSeconds(), sent.created_at), action_log: { payload: 'o cleared history' } });
    expect((await c.open(g, o)).map((m) => m.message_payload)).toEqual(['o cleared history']);
    expect(await types(g, u)).toEqual(['action_log', 'text']);
  });

  it('a join with an action_log: join event, then the action_log by the named user; without user_id 605 and no join', async () => {
    const [u, o] = [newUser(), newUser()];
    const appU = await connect(u);
    const g = await c.create(u);
    const bad = await api(dino.base, 'PUT', `/v1/groups/${g}/join`, { users: [o], action_log: { payload: 'o joined' } });
    expect(bad).toMatchObject({ status: 400, body: { code: 605 } });
    expect(bad.body.detail).toContain('action_log.user_id');
    expect((await c.call('GET', `/v1/groups/${g}/users`)).user_count).toBe(1);
    const joined = await c.call('PUT', `/v1/groups/${g}/join`, { users: [o], action_log: { payload: 'o joined', user_id: o } });
    expect(joined).toMatchObject({ user_count: 2, action_log: { user_id: o, message_payload: 'o joined' } });
    const events = await appU.waitFor((e) => e.event_type === 'join' || e.event_type === 'action_log', 2);
    expect(events.map((e) => e.event_type)).toEqual(['join', 'action_log']);
    expect(await types(g, o)).toEqual(['action_log']);
    // A change asked without an action log answers as before: no action_log field.
    expect(await c.call('PUT', `/v1/groups/${g}/join`, { users: [newUser()] })).not.toHaveProperty('action_log');
  });

  it('a group update with an action_log: the group event, then the log, which is the group\'s last message', async () => {
    const [u, o] = [newUser(), newUser()];
    const appO = await connect(o);
    const g = await c.create(u, [o]);
    const updated = await c.call('PUT', `/v1/groups/${g}`, { group_name: 'renamed', action_log: { payload: 'u renamed it', user_id: u } });
    expect(updated).toMatchObject({ name: 'renamed', action_log: { user_id: u, message_payload: 'u renamed it' } });
    const events = await appO.waitFor((e) => e.event_type === 'group' && e.name === 'renamed' || e.event_type === 'action_log', 2);
    expect(events.map((e) => e.event_type)).toEqual(['group', 'action_log']);
    await c.settles('the log is the last message', async () => (await c.call('GET', `/v1/groups/${g}`)).last_message_id,
      updated.action_log.message_id);
    // The actor must be a member, as for any send: a stranger's action log is 600 (the rename itself stands).
    const stranger = await api(dino.base, 'PUT', `/v1/groups/${g}`, { group_name: 'again', action_log: { payload: 'x', user_id: newUser() } });
    expect(stranger).toMatchObject({ status: 400, body: { code: 600 } });
    expect((await c.call('GET', `/v1/groups/${g}`)).name).toBe('again');
  });

  it('a leave with an action_log: the log (by the leaver, still a member) and then the leave; leaving again writes none', async () => {
    const [u, o] = [newUser(), newUser()];
    const appU = await connect(u);
    const g = await c.create(u, [o]);
    const left = await c.call('DELETE', `/v1/groups/${g}/user/${o}/join`, { action_log: { payload: 'o left' } });
    expect(left).toMatchObject({ user_count: 1, action_log: { user_id: o, message_payload: 'o left' } });
    const events = await appU.waitFor((e) => e.event_type === 'leave' || e.event_type === 'action_log', 2);
    expect(events.map((e) => e.event_type)).toEqual(['action_log', 'leave']);
    expect(await c.call('DELETE', `/v1/groups/${g}/user/${o}/join`, { action_log: { payload: 'again' } })).not.toHaveProperty('action_log');
    expect((await c.open(g, u)).map((m) => m.message_payload)).toEqual(['o left']);
    expect(await c.listIds(o)).toEqual([]);
    // A DELETE without a body is answered as before.
    expect(await c.call('DELETE', `/v1/groups/${g}/user/${u}/join`)).not.toHaveProperty('action_log');
  });

  it('create_action_log_in_all_groups_for_user: one action log in each of 2 groups and 1 one-to-one', async () => {
    const [u, o] = [newUser(), newUser()];
    const appO = await connect(o);
    const groups = [await c.create(u, [o]), await c.create(u)];
    const pair = (await c.sendTo(u, o)).group_id;
    expect(await c.stats(u)).toMatchObject({ group_amount: 2, one_to_one_amount: 1 });
    const { action_logs: logs } = await c.call('POST', `/v1/users/${u}/groups/actions`, { payload: 'u is now "v"' });
    expect(logs.map((l: any) => l.group_id).sort()).toEqual([...groups, pair].sort());
    expect(await types(pair, u)).toEqual(['action_log', 'text']);
    for (const g of groups) expect(await types(g, u)).toEqual(['action_log']);
    // O is in the first group and the one-to-one: one action_log event from each.
    const events = await appO.waitFor((e) => e.event_type === 'action_log', 2);
    expect(events.map((e) => e.group_id).sort()).toEqual([groups[0], pair].sort());
  });

  it('the all-groups action log leaves out a group the user was kicked from; a user with no groups writes none', async () => {
    const [u, o] = [newUser(), newUser()];
    const [kept, kickedFrom] = [await c.create(u), await c.create(o, [u])];
    await c.update(kickedFrom, u, { kicked: true });
    const { action_logs: logs } = await c.call('POST', `/v1/users/${u}/groups/actions`, { payload: 'renamed' });
    expect(logs.map((l: any) => l.group_id)).toEqual([kept]);
    expect(await types(kickedFrom, o)).toEqual([]);
    expect(await c.call('POST', `/v1/users/${newUser()}/groups/actions`, { payload: 'x' })).toEqual({ action_logs: [] });
  });

  it('get_group_information: message_amount is -1 without counting, 1 with, 2 after another send; 601 for no group', async () => {
    const u = newUser();
    const g = await c.create(u);
    await c.send(g, u);
    const info = (body: Record<string, unknown>) => c.call('POST', `/v1/groups/${g}`, body);
    expect(await info({})).toMatchObject({ group_id: g, message_amount: -1 });
    expect((await info({ count_messages: true })).message_amount).toBe(1);
    await c.send(g, u);
    await c.settles('two counted', async () => (await info({ count_messages: true })).message_amount, 2);
    expect(await api(dino.base, 'POST', `/v1/groups/${crypto.randomUUID()}`, { count_messages: true }))
      .toMatchObject({ status: 400, body: { code: 601 } });
  });
});
