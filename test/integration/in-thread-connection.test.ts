/**
 * The embedded broker's in-thread publisher connection, beyond the publisher connection contract (which it passes
 * too): what it does with a publish aedes refuses at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedBroker } from '../../src/broker/embedded.js';
import { loadConfig } from '../../src/config.js';
import type { PublishConnection } from '../../src/workers/publish-connection.js';
import { App } from '../support/mqtt-probe.js';
import { until } from '../support/wait.js';

const dataDir = mkdtempSync(join(tmpdir(), 'dino-in-thread-'));
// An acknowledgement timeout of 20 s: an app that stops reading is dropped after 10 s (slowAppPolicy).
const broker = await EmbeddedBroker.start(loadConfig({ DINO_DATA_DIR: dataDir, DINO_MQTT_PORT: '0', DINO_MQTT_WS_PORT: '0',
  DINO_MQTT_ACK_TIMEOUT_MS: '20000' }));
const apps: App[] = [];

afterAll(async () => {
  for (const app of apps) app.client.end(true);
  await broker.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const publish = (connection: PublishConnection, topic: string, payload: Buffer) =>
  new Promise<void>((resolve, reject) => connection.publish(topic, payload, (err) => (err ? reject(err) : resolve())));

describe('in-thread publisher connection', () => {
  it('is not held up by an app that stopped reading: another app\'s publishes are done and delivered meanwhile', async () => {
    const connection = broker.inThreadConnection();
    const stalled = await App.connect(broker.url, { clientId: 'stalled', clean: false });
    const reading = await App.connect(broker.url, { clientId: 'reading', clean: false });
    apps.push(stalled, reading);
    expect(await stalled.subscribe(['1'])).toEqual([1]);
    expect(await reading.subscribe(['2'])).toEqual([1]);
    stalled.client.stream.pause(); // its socket fills up: aedes' writes to it wait for a drain that does not come
    // More deliveries waiting on that socket than aedes runs at once by default (100).
    let stalledDone = 0;
    const big = Buffer.alloc(200_000, 's');
    const toStalled = Array.from({ length: 150 }, () => publish(connection, '1', big).finally(() => stalledDone++));
    await Promise.all(Array.from({ length: 20 }, (_, i) => publish(connection, '2', Buffer.from(`m${i}`))));
    await until('the reading app\'s 20 messages', () => reading.received.length >= 20);
    expect(reading.received.map((r) => r.payload)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    expect(stalledDone).toBeLessThan(150); // still held by the stalled socket: the others did not wait for it
    stalled.client.end(true);
    await Promise.allSettled(toStalled);
    await connection.close();
  });


  it('fails a publish aedes refuses at once without recursing: 20 000 such publishes, each made from the last one\'s callback', async () => {
    const connection = broker.inThreadConnection();
    const tooDeep = `${'level/'.repeat(120)}1`; // aedes takes at most 100 levels and calls back before it returns
    const errors = await new Promise<Error[]>((resolve) => {
      const seen: Error[] = [];
      const next = (err?: Error) => {
        if (err) seen.push(err);
        if (seen.length === 20_000) return resolve(seen);
        connection.publish(tooDeep, Buffer.from('x'), next);
      };
      next();
    });
    expect(errors.every((e) => /too many levels/.test(e.message))).toBe(true);
    await connection.close();
  });
});
