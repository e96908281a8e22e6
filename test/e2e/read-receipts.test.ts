import { afterAll, describe, expect, it } from 'vitest';
import { storageBackends } from '../support/backends.js';
import { chatSuite, ChatApi, newUser, nowSeconds } from '../support/chat-api.js';
import type { DinoProcess } from '../support/dino-process.js';
import { MqttUser } from '../support/mqtt-user.js';

/**
 * Read receipts and who gets events, seen by real MQTT clients: the original's test_functional.py receipt lines,
 * test_mqtt_events.py and test_kick.py's notification line, on both storages. Receipts are on for groups of up to 3.
 * "Nothing more came" is shown without waiting for a quiet spell: a later event of the same group is sent and
 * awaited (one group's events arrive in order), then the earlier ones are counted.
 */
describe.each(await storageBackends())('read receipts with $name storage', (backend) => {
  let dino: DinoProcess;
  let c: ChatApi;
  const apps: MqttUser[] = [];
  chatSuite(() => ({ ...backend.env(), DINO_READ_RECEIPT_MAX_MEMBERS: '3' }), (chat, started) => {
    [c, dino] = [chat, started];
  });
  afterAll(() => Promise.all(apps.map((a) => a.close())));
  const url = () => `mqtt://127.0.0.1:${dino.mqttPort}`;
  const connect = async (...ids: number[]) => {
    const connected = await Promise.all(ids.map((id) => MqttUser.connect(url(), id)));
    apps.push(...connected);
    return connected;
  };
  const reads = (app: MqttUser, groupId: string) => app.received.filter((e) => e.event_type === 'read' && e.group_id === groupId);
  /** Sends a marker message and waits for it at `app`: every earlier event of the group has arrived by then. */
  const barrier = async (app: MqttUser, groupId: string, sender: number) => {
    const marker = await c.send(groupId, sender, 'marker');
    await app.waitFor((e) => e.message_id === marker.message_id);
  };

  it('read_receipt_published_when_opening_conversation: O opening the history sends one read to U, with O\'s id', async () => {
    const [u, o] = [newUser(), newUser()];
    const [appU] = await connect(u);
    const sent = await c.sendTo(u, o);
    await c.open(sent.group_id, o);
    const [read] = await appU!.waitFor((e) => e.event_type === 'read');
    expect(read).toMatchObject({ event_type: 'read', group_id: sent.group_id, user_id: o, user_ids: [o], was_bookmarked: false });
    expect(read.last_read_time).toBeGreaterThanOrEqual(sent.created_at);
    expect(read.last_read_time).toBeLessThanOrEqual(nowSeconds() + 1);
  });

  it('read_receipt_not_duplicated_when_opening_conversation: a second open with nothing new sends none', async () => {
    const [u, o] = [newUser(), newUser()];
    const [appU, appO] = await connect(u, o);
    const g = (await c.sendTo(u, o)).group_id;
    await c.open(g, o);
    await appU!.waitFor((e) => e.event_type === 'read');
    await c.open(g, o);
    await c.open(g, o);
    await barrier(appU!, g, o);
    expect(reads(appU!, g)).toHaveLength(1);
    expect(reads(appO!, g)).toHaveLength(0); // the reader itself gets none
  });

  it('sends none when the last message is the reader\'s own: its send already read everything before it', async () => {
    const [u, o] = [newUser(), newUser()];
    const [appU] = await connect(u);
    const g = (await c.sendTo(u, o)).group_id;
    await c.sendTo(o, u);
    await c.open(g, o);
    await barrier(appU!, g, o);
    expect(reads(appU!, g)).toHaveLength(0);
  });

  it('a later last_read_time sends a receipt; an earlier one or one with nothing new does not', async () => {
    const [u, o] = [newUser(), newUser()];
    const [appU] = await connect(u);
    const sent = await c.sendTo(u, o);
    await c.update(sent.group_id, o, { last_read_time: sent.created_at - 10 });
    await c.update(sent.group_id, o, { last_read_time: nowSeconds() });
    await appU!.waitFor((e) => e.event_type === 'read' && e.user_id === o);
    await c.update(sent.group_id, o, { last_read_time: nowSeconds() + 1 });
    await barrier(appU!, sent.group_id, o);
    expect(reads(appU!, sent.group_id)).toHaveLength(1);
  });

  it('read_event_formatting: a bookmarked conversation\'s receipt says so (the original\'s peer_status 4)', async () => {
    const [u, o] = [newUser(), newUser()];
    const [appU] = await connect(u);
    const g = (await c.sendTo(u, o)).group_id;
    await c.update(g, o, { bookmark: true });
    await c.open(g, o);
    const [read] = await appU!.waitFor((e) => e.event_type === 'read');
    expect(read.was_bookmarked).toBe(true);
  });

  it('marking all read sends one receipt per conversation that had news', async () => {
    const [u1, u2, o] = [newUser(), newUser(), newUser()];
    const [app1, app2] = await connect(u1, u2);
    const g1 = (await c.sendTo(u1, o)).group_id;
    const g2 = (await c.sendTo(u2, o)).group_id;
    await c.create(o); // nothing new there
    expect(await c.readAll(o)).toEqual({ groups: 2 });
    await app1!.waitFor((e) => e.event_type === 'read' && e.group_id === g1);
    await app2!.waitFor((e) => e.event_type === 'read' && e.group_id === g2);
  });

  it('sends receipts to the others in a group up to DINO_READ_RECEIPT_MAX_MEMBERS, none in a larger one', async () => {
    const [u, o, t, f] = [newUser(), newUser(), newUser(), newUser()];
    const [appU, appT] = await connect(u, t);
    const small = await c.create(u, [o, t]);
    await c.send(small, u);
    await c.open(small, o);
    await appU!.waitFor((e) => e.event_type === 'read' && e.group_id === small);
    await appT!.waitFor((e) => e.event_type === 'read' && e.group_id === small);
    const large = await c.create(u, [o, t, f]);
    await c.send(large, u);
    await c.open(large, o);
    await barrier(appU!, large, o);
    expect(reads(appU!, large)).toHaveLength(0);
  });

  it('test_kick kicked_user_does_not_get_msg_notifications: a kicked member gets no events until it joins again', async () => {
    const [u, o, t] = [newUser(), newUser(), newUser()];
    const [appO, appT] = await connect(o, t);
    const g = await c.create(u, [o, t]);
    await c.update(g, t, { kicked: true });
    const missed = await c.send(g, u, 'while kicked');
    await appO!.waitFor((e) => e.message_id === missed.message_id);
    await c.join(g, [t]);
    const seen = await c.send(g, u, 'after the join');
    await appT!.waitFor((e) => e.message_id === seen.message_id);
    expect(appT!.received.some((e) => e.message_id === missed.message_id)).toBe(false);
  });
});
