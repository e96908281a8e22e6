import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageBackends } from '../support/backends.js';
import { api, startDino, type DinoProcess } from '../support/dino-process.js';
import { MqttUser } from '../support/mqtt-user.js';

/** The seed's scenario: two users subscribe as the seed shows; a group is created and a message sent. */
const cases = (await storageBackends()).flatMap((backend) => (['tcp', 'websocket'] as const).map((transport) => ({ backend, transport })));

describe.each(cases)('seed scenario over $transport with $backend.name storage', ({ backend, transport }) => {
  let dino: DinoProcess;
  let users: MqttUser[];
  const [alice, bob] = [1000 + Math.floor(Math.random() * 1e6), 2000000 + Math.floor(Math.random() * 1e6)];

  beforeAll(async () => {
    dino = await startDino('start', backend.env());
    const url = transport === 'tcp' ? `mqtt://127.0.0.1:${dino.mqttPort}` : `ws://127.0.0.1:${dino.mqttWsPort}/mqtt`;
    users = await Promise.all([alice, bob].map((id) => MqttUser.connect(url, id)));
  });
  afterAll(async () => {
    await Promise.all(users?.map((u) => u.close()) ?? []);
    expect(await dino?.stop()).toBe(0);
  });

  it('delivers the group event with the seed fields and types, then the message event, to both users', async () => {
    const created = await api(dino.base, 'POST', `/v1/users/${alice}/groups/create`, { group_name: 'a name', users: [bob] });
    expect(created.status).toBe(200);
    const groupId = created.body.group_id;
    for (const user of users) {
      const [event] = await user.waitFor((e) => e.event_type === 'group');
      expect(Object.keys(event).sort()).toEqual(
        ['created_at', 'event_type', 'group_id', 'group_type', 'last_message_time', 'name', 'owner_id', 'updated_at', 'user_ids'],
      );
      expect(event).toMatchObject({ event_type: 'group', group_id: groupId, name: 'a name', group_type: 0, owner_id: alice });
      expect([...event.user_ids].sort()).toEqual([alice, bob].sort());
      for (const field of ['created_at', 'updated_at', 'last_message_time']) expect(typeof event[field]).toBe('number');
    }

    const sent = await api(dino.base, 'POST', `/v1/groups/${groupId}/user/${alice}/send`, {
      message_payload: 'test message from rest api', message_type: 'text',
    });
    expect(sent.status).toBe(200);
    for (const user of users) {
      const [event] = await user.waitFor((e) => e.event_type === 'message');
      expect(event).toEqual({
        event_type: 'message', group_id: groupId, sender_id: alice, message_id: sent.body.message_id,
        message_payload: 'test message from rest api', message_type: 'text', created_at: sent.body.created_at,
      });
      expect(Number.isInteger(event.sender_id)).toBe(true);
      expect(event.created_at).toBeGreaterThan(1.5e9);
    }
  });
});
