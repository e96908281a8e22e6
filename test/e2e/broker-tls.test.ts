import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, startDino } from '../support/dino-process.js';
import { App } from '../support/mqtt-probe.js';
import { mosquittoUrl } from '../support/services.js';
import { tlsProxy } from '../support/tls-proxy.js';
import { until } from '../support/wait.js';

/**
 * An external broker at an `mqtts://` URL whose certificate comes from a private CA: the test run's Mosquitto behind
 * a TLS proxy with a certificate of its own. DINO_MQTT_CA_FILE is what lets `dino start` publish to it.
 */
const mosquitto = mosquittoUrl();
const dir = mkdtempSync(join(tmpdir(), 'dino-broker-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!mosquitto)('publishing to a broker over TLS with a private CA (DINO_MQTT_CA_FILE)', () => {
  it('delivers a notification through it', async () => {
    const proxy = await tlsProxy(Number(new URL(mosquitto!).port), dir);
    const prefix = `tls/${randomBytes(4).toString('hex')}/`;
    const userId = 1 + Math.floor(Math.random() * 1e12);
    const app = await App.connect(mosquitto!, { clean: true });
    const dino = await startDino('start', {
      DINO_DATA_DIR: join(dir, 'data'), DINO_MQTT_URL: `mqtts://127.0.0.1:${proxy.port}`,
      DINO_MQTT_CA_FILE: proxy.caFile, DINO_MQTT_TOPIC_PREFIX: prefix, DINO_WORKERS: '1',
    });
    try {
      expect(await app.subscribe([prefix + userId])).toEqual([1]);
      const sent = await api(dino.base, 'POST', '/v1/notification/send',
        { event_type: 'over-tls', notification: [{ user_ids: [userId], data: { n: 1 } }] });
      expect(sent.status).toBe(201);
      await until('the notification', () => app.received.length > 0, 10_000);
      expect(JSON.parse(app.received[0]!.payload)).toMatchObject({ event_type: 'over-tls', n: 1 });
    } finally {
      const code = await dino.stop();
      await app.close();
      await proxy.close();
      expect(code).toBe(0);
    }
  });

  it('stops at start when the file holds no certificate, naming the setting', async () => {
    const notACertificate = join(dir, 'not-a-ca.pem');
    writeFileSync(notACertificate, 'not a certificate\n');
    const start = startDino('start', { DINO_DATA_DIR: join(dir, 'data-not-a-ca'), DINO_MQTT_URL: `mqtts://127.0.0.1:${new URL(mosquitto!).port}`,
      DINO_MQTT_CA_FILE: notACertificate });
    await expect(start).rejects.toThrow(/exited with 2 [\s\S]*invalid configuration: DINO_MQTT_CA_FILE \(--mqtt-ca-file\): the file holds no PEM certificate/);
  });

  it('stops at start when the file cannot be read, naming the setting', async () => {
    const start = startDino('start', { DINO_DATA_DIR: join(dir, 'data-missing'), DINO_MQTT_URL: `mqtts://127.0.0.1:${new URL(mosquitto!).port}`,
      DINO_MQTT_CA_FILE: join(dir, 'no-such-ca.pem') });
    await expect(start).rejects.toThrow(/exited with 2 [\s\S]*invalid configuration: DINO_MQTT_CA_FILE \(--mqtt-ca-file\): cannot read .*no-such-ca\.pem: ENOENT/);
  });
});
