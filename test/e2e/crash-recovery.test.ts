import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, startDino, type DinoProcess } from '../support/dino-process.js';
import { MqttUser } from '../support/mqtt-user.js';
import { mosquittoUrl } from '../support/services.js';

const MQTT_URL = mosquittoUrl()!;

describe.skipIf(!MQTT_URL)('crash after accepting, before delivering (single process, embedded queue)', () => {
  const started: DinoProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((d) => d.stop('SIGKILL')));
  });

  it('delivers the accepted message after kill -9 and a restart on the same data dir', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dino-crash-'));
    const prefix = `t/${randomBytes(4).toString('hex')}/`;
    const [alice, bob] = [1e12 + Math.floor(Math.random() * 1e9), 2e12 + Math.floor(Math.random() * 1e9)];
    const bobApp = await MqttUser.connect(MQTT_URL, bob, prefix);

    // First life: the broker it should publish to cannot be reached, so the broadcast stays undelivered.
    const first = await startDino('start', { DINO_DATA_DIR: dataDir, DINO_MQTT_URL: 'mqtt://127.0.0.1:9', DINO_MQTT_TOPIC_PREFIX: prefix });
    started.push(first);
    const groupId = (await api(first.base, 'POST', `/v1/users/${alice}/groups/create`, { group_name: 'c', users: [bob] })).body.group_id;
    const sent = await api(first.base, 'POST', `/v1/groups/${groupId}/user/${alice}/send`, { message_payload: 'survives', message_type: 'text' });
    expect(sent.status).toBe(200);
    await first.stop('SIGKILL');

    // Second life: same data dir, a reachable broker. What the first accepted goes out now.
    const second = await startDino('start', { DINO_DATA_DIR: dataDir, DINO_MQTT_URL: MQTT_URL, DINO_MQTT_TOPIC_PREFIX: prefix });
    started.push(second);
    const [event] = await bobApp.waitFor((e) => e.event_type === 'message', 1, 15_000);
    expect(event).toMatchObject({ message_id: sent.body.message_id, message_payload: 'survives' });
    expect(bobApp.received.filter((e) => e.event_type === 'group')).toHaveLength(1);
    await bobApp.client.endAsync();
    // Leave no persistent session behind on the broker.
    const cleanup = await MqttUser.connect(MQTT_URL, bob, prefix, true);
    await cleanup.close();
  });
});
