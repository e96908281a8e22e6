import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll } from 'vitest';
import { Tokens } from '../../src/auth/tokens.js';
import { EmbeddedBroker } from '../../src/broker/embedded.js';
import { loadConfig } from '../../src/config.js';
import { publisherLogin } from '../../src/workers/mqtt-publisher.js';
import { MqttJsConnection } from '../../src/workers/publish-connection.js';
import { WireConnection } from '../../src/workers/wire-connection.js';
import { mosquittoUrl } from '../support/services.js';
import { tlsProxy } from '../support/tls-proxy.js';
import { publishConnectionContract, type BrokerUnderTest, type OpenConnection } from './publish-connection.contract.js';

// The embedded broker in its secure mode (publishers log in with the derived password, apps with a token), also
// behind a TLS proxy with a certificate of its own (a broker at an mqtts:// or wss:// URL with a private CA), and the
// test run's Mosquitto (open): each network adapter publishes to each, the wire one over TCP and TLS, mqtt.js over TCP
// and WebSocket (plain and TLS); the in-thread one publishes to the embedded broker it belongs to, with no login.
const SECRET = randomUUID() + randomUUID();
const dataDir = mkdtempSync(join(tmpdir(), 'dino-publish-connection-'));
const embedded = await EmbeddedBroker.start(loadConfig({
  DINO_DATA_DIR: dataDir, DINO_MQTT_PORT: '0', DINO_MQTT_WS_PORT: '0', DINO_JWT_SECRET: SECRET, DINO_MQTT_TOPIC_PREFIX: 'dino/ü/',
}));
const tokens = await Tokens.create({ secret: SECRET, ttlSeconds: 3600 });
const tcpOverTls = await tlsProxy(embedded.tcpPort, dataDir);
const wsOverTls = await tlsProxy(embedded.wsPort, dataDir);
const overTls = (scheme: 'mqtts' | 'wss', port: number, path = ''): BrokerUnderTest['tls'] => ({
  ca: (scheme === 'mqtts' ? tcpOverTls : wsOverTls).ca,
  isolated: async () => {
    const proxy = await tlsProxy(port, dataDir);
    return { ...proxy, url: `${scheme}://127.0.0.1:${proxy.port}${path}` };
  },
});
const secured = (publishUrl: string): BrokerUnderTest => ({
  publishUrl,
  subscribeUrl: embedded.url,
  topicPrefix: 'dino/ü/',
  oversized: 1024 * 1024 + 1,
  login: publisherLogin(embedded.publisherSecret),
  refusedLogin: { ...publisherLogin(embedded.publisherSecret)!, password: 'not the derived one' },
  userLogin: async (userId) => ({ clientId: String(userId), username: String(userId), password: (await tokens.mint(userId)).token }),
});
const mosquittoAt = mosquittoUrl();
const mosquitto: BrokerUnderTest | undefined = mosquittoAt === undefined ? undefined
  : { publishUrl: mosquittoAt, subscribeUrl: mosquittoAt, topicPrefix: `contract/${randomUUID()}/` };

const inThread: OpenConnection = () => embedded.inThreadConnection();
const wire: OpenConnection = (url, options) => new WireConnection(new URL(url), options);
const mqttJs: OpenConnection = (url, options) => new MqttJsConnection(url, options);

publishConnectionContract('in-thread, embedded broker', inThread,
  { publishUrl: embedded.url, subscribeUrl: embedded.url, topicPrefix: 'dino/ü/', inThread: true, userLogin: secured(embedded.url).userLogin });
publishConnectionContract('wire, embedded broker (TCP)', wire, secured(embedded.url));
publishConnectionContract('mqtt.js, embedded broker (WebSocket)', mqttJs, secured(`ws://127.0.0.1:${embedded.wsPort}/mqtt`));
publishConnectionContract('wire, embedded broker (TLS)', wire,
  { ...secured(`mqtts://127.0.0.1:${tcpOverTls.port}`), tls: overTls('mqtts', embedded.tcpPort) });
publishConnectionContract('mqtt.js, embedded broker (WebSocket over TLS)', mqttJs,
  { ...secured(`wss://127.0.0.1:${wsOverTls.port}/mqtt`), tls: overTls('wss', embedded.wsPort, '/mqtt') });
publishConnectionContract('wire, Mosquitto', wire, mosquitto);
publishConnectionContract('mqtt.js, Mosquitto', mqttJs, mosquitto);

afterAll(async () => {
  await Promise.all([tcpOverTls.close(), wsOverTls.close()]);
  await embedded.close();
  rmSync(dataDir, { recursive: true, force: true });
});
