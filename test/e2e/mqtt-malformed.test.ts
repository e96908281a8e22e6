import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { api } from '../support/dino-process.js';
import { dinoForSuite } from '../support/dino-suite.js';
import { App, connectPacket, RawMqtt } from '../support/mqtt-probe.js';

const CONNECT_TIMEOUT_S = 2;
const MAX_KEEPALIVE_S = 600;
const ALLOWED_ORIGIN = 'https://app.example.com';

/** Clients that break the protocol get their connection closed; the broker and the API in the process carry on. */
describe('malformed MQTT clients against the embedded broker', () => {
  const suite = dinoForSuite({ DINO_MQTT_CONNECT_TIMEOUT: `${CONNECT_TIMEOUT_S}s`,
      DINO_MQTT_MAX_KEEPALIVE: `${MAX_KEEPALIVE_S}s`, DINO_CORS_ORIGINS: ALLOWED_ORIGIN });

  /** After each attack: a well-behaved client still gets in, and REST still answers. */
  async function stillServing(): Promise<void> {
    const app = await App.connect(`mqtt://127.0.0.1:${suite.dino.mqttPort}`, { clientId: '42', username: '42' });
    app.client.end(true);
    expect((await api(suite.dino.base, 'GET', '/healthz')).status).toBe(200);
  }

  it('closes a connection that sends garbage instead of a CONNECT', async () => {
    const raw = await RawMqtt.open(suite.dino.mqttPort!);
    raw.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await raw.closed;
    await stillServing();
  });

  it('closes a connection whose packet announces the largest remaining length MQTT allows', async () => {
    const raw = await RawMqtt.open(suite.dino.mqttPort!);
    raw.send(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
    await raw.closed;
    await stillServing();
  });

  it(`closes a connection that never sends CONNECT, after DINO_MQTT_CONNECT_TIMEOUT (${CONNECT_TIMEOUT_S} s)`, async () => {
    const raw = await RawMqtt.open(suite.dino.mqttPort!);
    const opened = Date.now();
    await raw.closed;
    expect(Date.now() - opened).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_S * 1000 - 100);
  });

  it(`refuses keepalive 0 (a connection idle for ever) and one over ${MAX_KEEPALIVE_S} s; accepts one within`, async () => {
    for (const keepalive of [0, MAX_KEEPALIVE_S + 1]) {
      const raw = await RawMqtt.open(suite.dino.mqttPort!);
      raw.send(connectPacket('43', {}, true, keepalive));
      expect(await raw.connack()).not.toBe(0);
      await raw.closed;
    }
    const raw = await RawMqtt.open(suite.dino.mqttPort!);
    raw.send(connectPacket('43', {}, true, MAX_KEEPALIVE_S));
    expect(await raw.connack()).toBe(0);
    raw.socket.destroy();
  });

  it('lets a browser page open the MQTT WebSocket only from an origin in DINO_CORS_ORIGINS; apps send none', async () => {
    const open = (origin?: string) => new Promise<string>((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${suite.dino.mqttWsPort}/mqtt`, 'mqtt', origin ? { origin } : {});
      socket.once('open', () => {
        socket.close();
        resolve('open');
      });
      socket.once('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
      socket.once('error', (err) => resolve(`error ${err.message}`));
    });
    expect(await open(ALLOWED_ORIGIN)).toBe('open');
    expect(await open()).toBe('open');
    expect(await open('https://evil.example.com')).toMatch(/^refused 4\d\d$/);
  });
});
