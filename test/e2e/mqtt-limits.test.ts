import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tokens } from '../../src/auth/tokens.js';
import { api, startDino, type DinoProcess } from '../support/dino-process.js';
import { App, connectPacket, RawMqtt, remainingLength, subscribePacket } from '../support/mqtt-probe.js';
import { sleep, until } from '../support/wait.js';

/**
 * The embedded broker's limits, in open mode (the default `dino start`, on loopback) and in secure mode: none of
 * them may depend on who the client is, and none of the attacks may stall the REST API in the same process.
 */
const SECRET = `limits-${randomBytes(24).toString('hex')}`;
const tokens = await Tokens.create({ secret: SECRET, ttlSeconds: 3600 });
const MiB = 1024 * 1024;
const MAX_QUEUED = 5;
const CONNECT_RATE = 5;
const randomUser = () => 1 + Math.floor(Math.random() * 1e12);

interface Mode {
  name: string;
  env: Record<string, string>;
  /** The login of a user's app in this mode. */
  login(userId: number): Promise<{ username: string; password?: string }>;
}
const modes: Mode[] = [
  { name: 'open mode', env: {}, login: async (userId) => ({ username: String(userId) }) },
  { name: 'secure mode', env: { DINO_JWT_SECRET: SECRET }, login: async (userId) => ({ username: String(userId), password: (await tokens.mint(userId)).token }) },
];

describe.each(modes)('embedded broker limits in $name', (mode) => {
  let dino: DinoProcess;
  let tcp: string;
  const apps: App[] = [];
  const app = async (userId: number, options: { clientId?: string; clean?: boolean; url?: string } = {}) => {
    const connected = await App.connect(options.url ?? tcp, { clientId: String(userId), clean: false, ...options, ...(await mode.login(userId)) });
    apps.push(connected);
    return connected;
  };
  /** A raw connection that sent a CONNECT and got CONNACK 0. */
  const rawApp = async (userId: number, localAddress?: string) => {
    const raw = await RawMqtt.open(dino.mqttPort!, localAddress);
    raw.send(connectPacket(String(userId), await mode.login(userId)));
    expect(await raw.connack()).toBe(0);
    return raw;
  };

  beforeAll(async () => {
    dino = await startDino('start', {
      DINO_DATA_DIR: mkdtempSync(join(tmpdir(), 'dino-limits-')), DINO_MQTT_MAX_QUEUED: String(MAX_QUEUED),
      DINO_MQTT_CONNECT_RATE: String(CONNECT_RATE), ...mode.env,
    });
    tcp = `mqtt://127.0.0.1:${dino.mqttPort}`;
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    expect(await dino?.stop()).toBe(0);
  });

  it('closes a connection that sends a packet over 1 MiB (TCP and WebSocket), as soon as its header arrives', async () => {
    const user = randomUser();
    for (const url of [tcp, `ws://127.0.0.1:${dino.mqttWsPort}/mqtt`]) {
      const sender = await app(user, { url, clientId: `${user}-sender` });
      sender.client.publish(String(user), Buffer.alloc(MiB), { qos: 0 }); // 1 MiB of payload + headers > 1 MiB
      expect(await sender.closesWithin(3000), url).toBe(true);
    }
    // A 100 MiB PUBLISH is refused from its first bytes: the broker does not wait for (or buffer) the rest.
    const raw = await rawApp(user);
    raw.send(Buffer.concat([Buffer.from([0x30]), remainingLength(100 * MiB), Buffer.alloc(64 * 1024)]));
    const started = Date.now();
    await raw.closed;
    expect(Date.now() - started).toBeLessThan(2000);
    // Before any login: a huge CONNECT.
    const anonymous = await RawMqtt.open(dino.mqttPort!);
    anonymous.send(Buffer.concat([Buffer.from([0x10]), remainingLength(50 * MiB), Buffer.alloc(1024)]));
    await anonymous.closed;
  });

  it('accepts packets up to the limit', async () => {
    const user = randomUser();
    const listener = await app(user);
    expect(await listener.subscribe([String(user)])).toEqual([1]);
    if (mode.name === 'secure mode') return; // apps cannot publish there: the fan-out's own publishes are in mqtt-trust
    const sender = await app(randomUser());
    await sender.client.publishAsync(String(user), Buffer.alloc(MiB - 64), { qos: 1 });
    await until('the large message', async () => listener.received.length === 1, 5000);
  });

  it('closes a connection that sends more than 8 filters in one SUBSCRIBE; refuses a 9th subscription with SUBACK 128', async () => {
    const user = randomUser();
    const greedy = await rawApp(user);
    greedy.send(subscribePacket(1, Array.from({ length: 9 }, (_, i) => `${user}/${i}`)));
    await greedy.closed;

    const collector = await app(user, { clean: true });
    const own = String(user);
    const expected = mode.name === 'open mode' ? [1, ...Array(7).fill(1)] : [1, ...Array(7).fill(128)];
    expect(await collector.subscribe([own, ...Array.from({ length: 7 }, (_, i) => `t/${user}/${i}`)])).toEqual(expected);
    if (mode.name === 'secure mode') return; // only one topic may be held there anyway
    expect(await collector.subscribe([`t/${user}/8`])).toEqual([128]);
    expect(await collector.subscribe([own])).toEqual([1]); // holding it already
    await collector.client.unsubscribeAsync(`t/${user}/0`);
    expect(await collector.subscribe([`t/${user}/8`])).toEqual([1]);
  });

  it(`lets ${CONNECT_RATE} connections a second in from one address (127.0.0.2), and every one from 127.0.0.1`, async () => {
    const user = randomUser();
    const burst = async (localAddress: string) => {
      const sockets = await Promise.all(Array.from({ length: 3 * CONNECT_RATE }, () => RawMqtt.open(dino.mqttPort!, localAddress)));
      const codes = await Promise.all(sockets.map(async (raw, i) => {
        raw.send(connectPacket(`${user}-${i}`, await mode.login(user)));
        return raw.connack(3000);
      }));
      for (const raw of sockets) raw.destroy();
      return codes.filter((code) => code === 0).length;
    };
    const remote = await burst('127.0.0.2');
    expect(remote).toBeGreaterThanOrEqual(CONNECT_RATE - 1);
    expect(remote).toBeLessThanOrEqual(CONNECT_RATE + 1);
    expect(await burst('127.0.0.1')).toBe(3 * CONNECT_RATE);
    await sleep(1100);
    const later = await rawApp(user, '127.0.0.2');
    later.destroy();
    await until('the refusal log line', async () => dino.logs.some((l) => l.includes('mqtt connections refused over the per-address rate')), 15_000);
  });

  it('keeps /healthz fast during a SUBSCRIBE storm', async () => {
    const storm = new SubscribeStorm(dino.mqttPort!, mode.login);
    const quiet = await pollHealth(dino.base, sleep(1000));
    const loud = await pollHealth(dino.base, storm.run(4000));
    console.log(`[${mode.name}] /healthz every ~10 ms, quiet: ${describeLatency(quiet)}; during the storm: ${describeLatency(loud)}; `
      + `storm: ${storm.bigSent} SUBSCRIBEs of 8000 filters (${storm.bigRefused} connections closed for it), ${storm.smallSent} of 8 filters, `
      + `${storm.subacks} SUBACKs`);
    expect(storm.bigSent).toBeGreaterThan(20);
    expect(storm.bigRefused).toBe(storm.bigSent);
    expect(storm.subacks).toBeGreaterThan(1000);
    // A stall is tens of seconds (the issue measured 82 s); on a shared 2-core box single answers take up to ~0.5 s
    // even without a storm, so the bound leaves room for that noise.
    expect(Math.max(...loud)).toBeLessThan(2000);
  });

  it(`keeps at most ${MAX_QUEUED} messages for a session while its app is away: the newest, in order`, async () => {
    const [away, witness] = [randomUser(), randomUser()];
    const witnessApp = await app(witness);
    await witnessApp.subscribe([String(witness)]);
    const awayApp = await app(away);
    await awayApp.subscribe([String(away)]);
    await awayApp.close();
    for (let seq = 0; seq < 2 * MAX_QUEUED; seq++) {
      const sent = await api(dino.base, 'POST', '/v1/notification/send', { event_type: 'probe', notification: [{ user_ids: [away, witness], data: { seq } }] });
      expect(sent.status).toBe(201);
    }
    await until('the witness has every message', async () => witnessApp.received.length === 2 * MAX_QUEUED, 10_000);
    const back = await app(away);
    await until('the queued messages', async () => back.received.length >= MAX_QUEUED, 5000);
    await sleep(400);
    expect(back.received.map((m) => JSON.parse(m.payload).seq)).toEqual([5, 6, 7, 8, 9]);
    await until('the drop log line', async () => dino.logs.some((l) => l.includes('mqtt session queue full')), 15_000);
  });

  it(`still sends messages beyond the ${MAX_QUEUED} kept to a client that is online, and keeps it connected`, async () => {
    const [slow, witness] = [randomUser(), randomUser()];
    const witnessApp = await app(witness);
    await witnessApp.subscribe([String(witness)]);
    // A raw client that never acknowledges: its session holds every message it was sent.
    const raw = await RawMqtt.open(dino.mqttPort!);
    raw.send(connectPacket(String(slow), await mode.login(slow), false));
    expect(await raw.connack()).toBe(0);
    raw.send(subscribePacket(1, [String(slow)]));
    await raw.until(() => raw.packets().some((p) => p.type === 9), 5000);
    for (let seq = 0; seq < 2 * MAX_QUEUED; seq++) {
      await api(dino.base, 'POST', '/v1/notification/send', { event_type: 'probe', notification: [{ user_ids: [slow, witness], data: { seq } }] });
    }
    await until('the witness has every message', async () => witnessApp.received.length === 2 * MAX_QUEUED, 10_000);
    const PUBLISH = 3;
    await raw.until(() => raw.packets().filter((p) => p.type === PUBLISH).length === 2 * MAX_QUEUED, 5000);
    expect(raw.packets().filter((p) => p.type === PUBLISH)).toHaveLength(2 * MAX_QUEUED);
    await sleep(300);
    expect(raw.isClosed).toBe(false);
    raw.destroy();
  });
});

/** GETs /healthz every ~10 ms until `done` resolves; the latency of each answer, in ms. */
async function pollHealth(base: string, done: Promise<unknown>): Promise<number[]> {
  let over = false;
  void done.then(() => (over = true));
  const latencies: number[] = [];
  while (!over) {
    const started = performance.now();
    const response = await fetch(`${base}/healthz`);
    await response.text();
    latencies.push(performance.now() - started);
    await sleep(10);
  }
  return latencies;
}

function describeLatency(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
  return `${sorted.length} requests, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`;
}

/**
 * One client after another sends a SUBSCRIBE of 8 000 filters (the attack), while another sends SUBSCRIBEs
 * of 8 filters as fast as the broker answers them, and each filter beyond the per-client limit is refused.
 */
class SubscribeStorm {
  bigSent = 0;
  bigRefused = 0;
  smallSent = 0;
  subacks = 0;
  private readonly big = subscribePacket(1, Array.from({ length: 8000 }, (_, i) => `dms/${100000 + i}`));

  constructor(private readonly port: number, private readonly login: Mode['login']) {}

  async run(ms: number): Promise<void> {
    const until = Date.now() + ms;
    await Promise.all([...Array.from({ length: 4 }, () => this.bigOnes(until)), this.smallOnes(until)]);
  }

  /** Persistent sessions, as the client recipe and the attacker: aedes stores their filters. */
  private async bigOnes(until: number): Promise<void> {
    while (Date.now() < until) {
      const user = randomUser();
      const raw = await RawMqtt.open(this.port);
      // As a client library does it: SUBSCRIBE once the CONNACK came.
      raw.send(connectPacket(String(user), await this.login(user), false));
      if ((await raw.connack(10_000)) !== 0) {
        raw.destroy();
        continue;
      }
      raw.send(this.big);
      this.bigSent++;
      // CONNACK is 4 bytes; anything more is a SUBACK: the broker took the packet instead of closing the connection.
      await raw.until(() => raw.isClosed || raw.received > 4, 10_000);
      if (raw.isClosed && raw.received <= 4) this.bigRefused++;
      raw.destroy();
    }
  }

  private async smallOnes(until: number): Promise<void> {
    const user = randomUser();
    const raw = await RawMqtt.open(this.port);
    raw.send(connectPacket(String(user), await this.login(user), false));
    await raw.connack();
    const burst = Buffer.concat(Array.from({ length: 200 }, (_, i) => subscribePacket(i + 1, Array.from({ length: 8 }, (_, j) => `s/${i}/${j}`))));
    while (Date.now() < until && !raw.isClosed) {
      raw.send(burst);
      this.smallSent += 200;
      const expected = this.smallSent;
      // A SUBACK of 8 filters is 2 + 2 + 8 bytes: wait for this burst's answers before sending the next.
      await raw.until(() => Math.floor((raw.received - 4) / 12) >= expected, 5000);
      this.subacks = Math.floor((raw.received - 4) / 12);
    }
    raw.destroy();
  }
}
