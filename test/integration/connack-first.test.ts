/**
 * The embedded broker answers a CONNECT before it sends anything else ([MQTT-3.2.0-1]), also when a message for the
 * user is published while it restores the user's persistent session. The window is made wide and certain here: the
 * session store's will lookup, which aedes runs after restoring the subscriptions and before the CONNACK, publishes to
 * the user and waits until that delivery has gone out or is held back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Aedes, Client } from 'aedes';
import { afterAll, describe, expect, it } from 'vitest';
import { heldDeliveries } from '../../src/broker/connack-first.js';
import { EmbeddedBroker } from '../../src/broker/embedded.js';
import { loadConfig } from '../../src/config.js';
import { App, connectPacket, RawMqtt } from '../support/mqtt-probe.js';
import { until } from '../support/wait.js';

const dataDir = mkdtempSync(join(tmpdir(), 'dino-connack-first-'));
const broker = await EmbeddedBroker.start(loadConfig({ DINO_DATA_DIR: dataDir, DINO_MQTT_PORT: '0', DINO_MQTT_WS_PORT: '0' }));
// The broker's aedes and its session store: private to EmbeddedBroker, reached here to widen the window.
const aedes = (broker as unknown as { aedes: Aedes }).aedes;
const store = (aedes as unknown as { persistence: { delWill(client: Client): Promise<unknown> } }).persistence;
const url = `mqtt://127.0.0.1:${broker.tcpPort}`;

afterAll(async () => {
  await broker.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A persistent session subscribed to its user's topic, then left: the next CONNECT restores it. */
async function leaveSession(userId: string): Promise<void> {
  const app = await App.connect(url, { clientId: userId, username: userId, clean: false });
  expect(await app.subscribe([userId])).toEqual([1]);
  await app.close();
}

/**
 * While `userId` reconnects, between the restored subscription and the CONNACK, `payload` is published to it; the
 * CONNECT goes on once that delivery went out (`wentOut`) or is held back.
 */
function publishDuringConnect(userId: string, payload: string, wentOut: () => boolean): void {
  const lookUpWill = store.delWill.bind(store);
  store.delWill = async (client) => {
    if (client.id === userId) {
      store.delWill = lookUpWill;
      aedes.publish({ cmd: 'publish', topic: userId, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, () => undefined);
      await until('the delivery to go out or be held back', () => wentOut() || heldDeliveries(client) > 0);
    }
    return lookUpWill(client);
  };
}

describe('CONNACK first', () => {
  it('sends a message published while a persistent session is restored after the CONNACK', async () => {
    await leaveSession('7001');
    const raw = await RawMqtt.open(broker.tcpPort);
    publishDuringConnect('7001', 'during connect', () => raw.received > 0);
    raw.send(connectPacket('7001', { username: '7001' }, false));
    await raw.until(() => raw.packets().some((p) => p.type === 3), 10_000);
    const types = raw.packets().map((p) => p.type);
    expect(types[0]).toBe(2); // CONNACK
    expect(raw.packets()[0]!.body).toEqual(Buffer.from([1, 0])); // session present, accepted
    expect(types).toContain(3); // then the PUBLISH
    raw.socket.destroy();
  });

  it('lets mqtt.js reconnect and receive it (it stalled waiting for a CONNACK behind the PUBLISH)', async () => {
    await leaveSession('7002');
    publishDuringConnect('7002', 'to mqtt.js', () => false);
    const app = await App.connect(url, { clientId: '7002', username: '7002', clean: false, connectTimeout: 10_000 });
    await until('the message', () => app.received.find((m) => m.payload === 'to mqtt.js'));
    await app.close();
  });
});
