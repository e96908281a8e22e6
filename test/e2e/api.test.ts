import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageBackends } from '../support/backends.js';
import { api, startDino, type DinoProcess } from '../support/dino-process.js';
import { MqttUser } from '../support/mqtt-user.js';
import { until } from '../support/wait.js';

const randomUser = () => 1 + Math.floor(Math.random() * 1e12);

describe.each(await storageBackends())('the REST API end to end with $name storage', (backend) => {
  let dino: DinoProcess;
  let url: string;
  beforeAll(async () => {
    dino = await startDino('start', backend.env());
    url = `mqtt://127.0.0.1:${dino.mqttPort}`;
  });
  afterAll(async () => {
    expect(await dino?.stop()).toBe(0);
  });

  it('updates a group and announces it; join and leave reach the right users', async () => {
    const [owner, member, joiner] = [randomUser(), randomUser(), randomUser()];
    const apps = await Promise.all([owner, member, joiner].map((id) => MqttUser.connect(url, id)));
    const groupId = (await api(dino.base, 'POST', `/v1/users/${owner}/groups/create`, { group_name: 'before', users: [member], description: 'd' })).body.group_id;

    const updated = await api(dino.base, 'PUT', `/v1/groups/${groupId}`, { group_name: 'after', description: null });
    expect(updated.body).toMatchObject({ name: 'after', description: null, owner_id: owner, user_count: 2 });
    await apps[1]!.waitFor((e) => e.event_type === 'group' && e.name === 'after');

    const joined = await api(dino.base, 'PUT', `/v1/groups/${groupId}/join`, { users: [joiner] });
    expect(joined.body.user_count).toBe(3);
    for (const app of apps) await app.waitFor((e) => e.event_type === 'join' && e.user_ids[0] === joiner);

    const users = await api(dino.base, 'GET', `/v1/groups/${groupId}/users`);
    expect(users.body).toMatchObject({ group_id: groupId, owner_id: owner, user_count: 3 });
    expect(users.body.users.map((u: any) => u.user_id).sort()).toEqual([owner, member, joiner].sort());

    const left = await api(dino.base, 'DELETE', `/v1/groups/${groupId}/user/${owner}/join`);
    expect(left.body).toMatchObject({ user_count: 2, owner_id: null });
    for (const app of apps) await app.waitFor((e) => e.event_type === 'leave' && e.user_id === owner);
    expect((await api(dino.base, 'DELETE', `/v1/groups/${groupId}/user/${owner}/join`)).status).toBe(200);
    expect(apps[0]!.received.filter((e) => e.event_type === 'leave')).toHaveLength(1);
    await Promise.all(apps.map((a) => a.close()));
  });

  it('keeps one group\'s messages in send order for every member when sends outpace the fan-out', async () => {
    const owner = randomUser();
    const members = [randomUser(), randomUser(), randomUser()];
    const apps = await Promise.all(members.map((id) => MqttUser.connect(url, id)));
    const groupId = (await api(dino.base, 'POST', `/v1/users/${owner}/groups/create`, { group_name: 'o', users: members })).body.group_id;
    const sent: string[] = [];
    for (let i = 0; i < 150; i++) {
      sent.push((await api(dino.base, 'POST', `/v1/groups/${groupId}/user/${owner}/send`, { message_payload: `${i}`, message_type: 'text' })).body.message_id);
    }
    for (const app of apps) {
      const got = await app.waitFor((e) => e.event_type === 'message', sent.length);
      expect(got.map((e) => e.message_id)).toEqual(sent);
      await app.close();
    }
  });

  it('blocks sending to a frozen group with 607', async () => {
    const owner = randomUser();
    const groupId = (await api(dino.base, 'POST', `/v1/users/${owner}/groups/create`, { group_name: 'g', users: [] })).body.group_id;
    await api(dino.base, 'PUT', `/v1/groups/${groupId}`, { status: -1 });
    const sent = await api(dino.base, 'POST', `/v1/groups/${groupId}/user/${owner}/send`, { message_payload: 'x', message_type: 'text' });
    expect(sent).toMatchObject({ status: 400, body: { code: 607 } });
  });

  it('creates one one-to-one group for a pair, even under concurrent first messages', async () => {
    const [a, b] = [randomUser(), randomUser()];
    const sends = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      api(dino.base, 'POST', `/v1/users/${i % 2 ? a : b}/send`, { receiver_id: i % 2 ? b : a, message_payload: `m${i}`, message_type: 'text' })));
    expect(sends.every((s) => s.status === 200)).toBe(true);
    expect(new Set(sends.map((s) => s.body.group_id)).size).toBe(1);
    const group = await api(dino.base, 'GET', `/v1/groups/${sends[0]!.body.group_id}`);
    expect(group.body).toMatchObject({ group_type: 1, user_count: 2, name: `${Math.min(a, b)},${Math.max(a, b)}` });
    const history = await api(dino.base, 'POST', `/v1/groups/${group.body.group_id}/user/${a}/histories`, { per_page: 100 });
    expect(history.body.messages).toHaveLength(20);
  });

  it('pages histories with until and since, and lists a user\'s groups by last message', async () => {
    const user = randomUser();
    const groups: string[] = [];
    for (let g = 0; g < 3; g++) {
      groups.push((await api(dino.base, 'POST', `/v1/users/${user}/groups/create`, { group_name: `g${g}`, users: [] })).body.group_id);
    }
    const sent = [];
    for (let i = 0; i < 5; i++) {
      sent.push((await api(dino.base, 'POST', `/v1/groups/${groups[0]}/user/${user}/send`, { message_payload: `m${i}`, message_type: 'text' })).body);
    }
    await api(dino.base, 'POST', `/v1/groups/${groups[1]}/user/${user}/send`, { message_payload: 'latest', message_type: 'text' });

    const page1 = await api(dino.base, 'POST', `/v1/groups/${groups[0]}/user/${user}/histories`, { per_page: 2 });
    expect(page1.body.messages.map((m: any) => m.message_payload)).toEqual(['m4', 'm3']);
    const page2 = await api(dino.base, 'POST', `/v1/groups/${groups[0]}/user/${user}/histories`, { per_page: 2, until: page1.body.messages[1].created_at });
    expect(page2.body.messages.map((m: any) => m.message_payload)).toEqual(['m2', 'm1']);
    const since = await api(dino.base, 'POST', `/v1/groups/${groups[0]}/user/${user}/histories`, { per_page: 10, since: sent[3].created_at });
    expect(since.body.messages.map((m: any) => m.message_payload)).toEqual(['m4', 'm3']);

    // The list's order and the sender's read mark are derived state: applied by the projector a moment after the send.
    const list = await until('the projected conversation list', async () => {
      const answer = await api(dino.base, 'POST', `/v1/users/${user}/groups`, { per_page: 2 });
      return answer.body[0]?.group.group_id === groups[1] && answer.body[0].stats.unread_amount === 0 && answer;
    });
    expect(list.body.map((x: any) => x.group.group_id)).toEqual([groups[1], groups[0]]);
    expect(list.body[0].stats).toMatchObject({ group_id: groups[1], user_id: user, unread_amount: 0 });
    const next = await api(dino.base, 'POST', `/v1/users/${user}/groups`, { per_page: 2, until: list.body[1].group.last_message_time });
    expect(next.body.map((x: any) => x.group.group_id)).toEqual([groups[2]]);
  });

  it('counts unread messages until the reader opens the history', async () => {
    const [sender, reader] = [randomUser(), randomUser()];
    const groupId = (await api(dino.base, 'POST', `/v1/users/${sender}/groups/create`, { group_name: 'u', users: [reader] })).body.group_id;
    for (let i = 0; i < 3; i++) await api(dino.base, 'POST', `/v1/groups/${groupId}/user/${sender}/send`, { message_payload: 'x', message_type: 'text' });
    await until('three unread (the group\'s last message is projected after the send)', async () =>
      (await api(dino.base, 'POST', `/v1/users/${reader}/groups`, { per_page: 10 })).body[0]?.stats.unread_amount === 3);
    await api(dino.base, 'POST', `/v1/groups/${groupId}/user/${reader}/histories`, { per_page: 10 });
    const after = await api(dino.base, 'POST', `/v1/users/${reader}/groups`, { per_page: 10 });
    expect(after.body[0].stats.unread_amount).toBe(0);
  });

  it('answers readiness once storage, queue and broker are reachable', async () => {
    let ready = await api(dino.base, 'GET', '/readyz');
    for (let i = 0; i < 50 && ready.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ready = await api(dino.base, 'GET', '/readyz');
    }
    expect(ready.body).toEqual({ status: 'ready', parts: { queue: 'ok', broker: 'ok', storage: 'ok' } });
  });
});

describe('Idempotency-Key', () => {
  let dino: DinoProcess;
  beforeAll(async () => {
    dino = await startDino('start', (await storageBackends())[0]!.env());
  });
  afterAll(async () => {
    await dino?.stop();
  });

  it('answers a retried send with the first message, storing and broadcasting it once', async () => {
    const [owner, member] = [randomUser(), randomUser()];
    const app = await MqttUser.connect(`mqtt://127.0.0.1:${dino.mqttPort}`, member);
    const groupId = (await api(dino.base, 'POST', `/v1/users/${owner}/groups/create`, { group_name: 'i', users: [member] })).body.group_id;
    const send = (key: string) => api(dino.base, 'POST', `/v1/groups/${groupId}/user/${owner}/send`,
      { message_payload: 'once', message_type: 'text' }, { 'idempotency-key': key });
    const first = await send('retry-me');
    const again = await send('retry-me');
    expect(again).toEqual(first);
    const other = await send('another-key');
    expect(other.body.message_id).not.toBe(first.body.message_id);

    const history = await api(dino.base, 'POST', `/v1/groups/${groupId}/user/${owner}/histories`, { per_page: 10 });
    expect(history.body.messages).toHaveLength(2);
    await app.waitFor((e) => e.event_type === 'message', 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(app.received.filter((e) => e.message_id === first.body.message_id)).toHaveLength(1);
    await app.close();
  });

  it('answers a retried notification once, and refuses a malformed key', async () => {
    const body = { event_type: 'ping', notification: [{ user_ids: [1, 2, 3], data: {} }] };
    const first = await api(dino.base, 'POST', '/v1/notification/send', body, { 'idempotency-key': 'n-1' });
    expect(first).toEqual({ status: 201, body: { recipients: 3 } });
    expect(await api(dino.base, 'POST', '/v1/notification/send', body, { 'idempotency-key': 'n-1' })).toEqual(first);
    const bad = await api(dino.base, 'POST', '/v1/notification/send', body, { 'idempotency-key': 'x'.repeat(300) });
    expect(bad).toMatchObject({ status: 400, body: { code: 605 } });
  });
});
