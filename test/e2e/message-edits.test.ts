import { afterAll, describe, expect, it } from 'vitest';
import { storageBackends } from '../support/backends.js';
import { chatSuite, ChatApi, newUser } from '../support/chat-api.js';
import { api, type DinoProcess } from '../support/dino-process.js';
import { MqttUser } from '../support/mqtt-user.js';

/**
 * Edits, deletes, message info, counts and action logs (test_edit_message.py, test_get_message_info.py, the
 * functional action-log lines Dino covers), with the events seen by real MQTT clients; both storages.
 */
describe.each(await storageBackends())('message edits with $name storage', (backend) => {
  let dino: DinoProcess;
  let c: ChatApi;
  const apps: MqttUser[] = [];
  chatSuite(() => (backend.env()), (chat, started) => {
    [c, dino] = [chat, started];
  });
  afterAll(() => Promise.all(apps.map((a) => a.close())));
  const url = () => `mqtt://127.0.0.1:${dino.mqttPort}`;
  const connect = async (id: number) => {
    const app = await MqttUser.connect(url(), id);
    apps.push(app);
    return app;
  };
  const info = (u: number, g: string, mid: string) => api(dino.base, 'POST', `/v1/users/${u}/message/${mid}/info`, { group_id: g });

  it('test_edit_message edit_payload: message info and the history show the new payload; members get an edit event', async () => {
    const [u, o] = [newUser(), newUser()];
    const appO = await connect(o);
    const sent = await c.sendTo(u, o, 'before');
    const edited = await c.call('PUT', `/v1/users/${u}/message/${sent.message_id}/edit`, { receiver_id: o, message_payload: 'after' });
    expect(edited).toMatchObject({ message_id: sent.message_id, message_payload: 'after', created_at: sent.created_at });
    expect(edited.updated_at).toBeGreaterThan(sent.created_at);
    expect((await info(o, sent.group_id, sent.message_id)).body.message_payload).toBe('after');
    expect((await c.open(sent.group_id, o)).map((m) => m.message_payload)).toEqual(['after']);
    const [event] = await appO.waitFor((e) => e.event_type === 'edit');
    expect(event).toMatchObject({ group_id: sent.group_id, message_id: sent.message_id, sender_id: u, message_payload: 'after' });
  });

  it('refuses to edit or delete another user\'s message with 602, and changes nothing', async () => {
    const [u, o] = [newUser(), newUser()];
    const sent = await c.sendTo(u, o, 'mine');
    const edit = await api(dino.base, 'PUT', `/v1/users/${o}/message/${sent.message_id}/edit`, { group_id: sent.group_id, message_payload: 'x' });
    expect(edit).toMatchObject({ status: 400, body: { code: 602 } });
    const del = await api(dino.base, 'DELETE', `/v1/groups/${sent.group_id}/user/${o}/message/${sent.message_id}`);
    expect(del).toMatchObject({ status: 400, body: { code: 602 } });
    expect((await c.open(sent.group_id, u)).map((m) => m.message_payload)).toEqual(['mine']);
    const both = await api(dino.base, 'PUT', `/v1/users/${u}/message/${sent.message_id}/edit`, { message_payload: 'x' });
    expect(both).toMatchObject({ status: 400, body: { code: 605 } });
  });

  it('deletes one\'s own message: gone from the history and the unread count; members get a delete event', async () => {
    const [u, o] = [newUser(), newUser()];
    const appO = await connect(o);
    const first = await c.sendTo(u, o, 'one');
    const second = await c.sendTo(u, o, 'two');
    await c.settles('two unread', async () => (await c.state(first.group_id, o)).stats.unread, 2);
    await c.call('DELETE', `/v1/groups/${first.group_id}/user/${u}/message/${second.message_id}`);
    const [event] = await appO.waitFor((e) => e.event_type === 'delete');
    expect(event).toMatchObject({ group_id: first.group_id, message_id: second.message_id, sender_id: u });
    expect((await c.state(first.group_id, o)).stats.unread).toBe(1);
    expect((await c.open(first.group_id, o)).map((m) => m.message_payload)).toEqual(['one']);
    expect(await info(o, first.group_id, second.message_id)).toMatchObject({ status: 400, body: { code: 602 } });
  });

  it('create_action_log_automatically_created_group: an action log by receiver_id creates the one-to-one', async () => {
    const [u, o] = [newUser(), newUser()];
    const log = await c.call('POST', `/v1/users/${u}/actions`, { receiver_id: o, payload: 'u wants to chat' });
    expect((await c.state(log.group_id, o)).group).toMatchObject({ group_type: 1, user_count: 2 });
    expect((await c.open(log.group_id, o)).map((m) => m.message_type)).toEqual(['action_log']);
  });

  it('test_get_message_info: the payload; 602 for a wrong id or group', async () => {
    const [u, o] = [newUser(), newUser()];
    const sent = await c.sendTo(u, o, 'info');
    expect((await info(u, sent.group_id, sent.message_id)).body).toMatchObject({ message_payload: 'info', user_id: u });
    const other = (await c.sendTo(u, newUser())).group_id;
    expect(await info(u, other, sent.message_id)).toMatchObject({ status: 400, body: { code: 602 } });
    expect(await info(u, sent.group_id, crypto.randomUUID())).toMatchObject({ status: 400, body: { code: 602 } });
  });

  it('counts the messages a member sees: all of them, then those after its delete_before', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = await c.create(u, [o]);
    const sent = [];
    for (let i = 0; i < 3; i++) sent.push(await c.send(g, u));
    const count = async (who: number) => (await c.call('POST', `/v1/groups/${g}/user/${who}/count`, {})).message_count;
    expect(await count(o)).toBe(3);
    await c.update(g, o, { delete_before: sent[0].created_at });
    expect([await count(o), await count(u)]).toEqual([2, 3]);
    expect(await api(dino.base, 'POST', `/v1/groups/${g}/user/${newUser()}/count`, {})).toMatchObject({ status: 400, body: { code: 600 } });
  });

  it('create_action_log: stored as a message of type action_log, announced as action_log; in a one-to-one by receiver_id', async () => {
    const [u, o] = [newUser(), newUser()];
    const appO = await connect(o);
    const g = await c.create(u, [o]);
    const log = await c.call('POST', `/v1/users/${u}/actions`, { group_id: g, payload: 'u renamed the group' });
    expect(log).toMatchObject({ group_id: g, user_id: u, message_type: 'action_log', message_payload: 'u renamed the group' });
    const [event] = await appO.waitFor((e) => e.event_type === 'action_log');
    expect(event).toMatchObject({ group_id: g, message_id: log.message_id, sender_id: u });
    expect((await c.open(g, o)).map((m) => m.message_type)).toEqual(['action_log']);
    const pair = (await c.sendTo(u, o)).group_id;
    expect((await c.call('POST', `/v1/users/${u}/actions`, { receiver_id: o, payload: 'x' })).group_id).toBe(pair);
  });
});
