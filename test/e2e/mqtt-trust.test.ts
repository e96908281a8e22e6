import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLISHER_USERNAME, publisherPassword, Tokens } from '../../src/auth/tokens.js';
import { api, startDino, type DinoProcess } from '../support/dino-process.js';
import { App, refusalCode } from '../support/mqtt-probe.js';
import { sleep, until } from '../support/wait.js';

/**
 * The embedded broker in secure mode (DINO_JWT_SECRET), tried as an attacker would: every attack of the issue must
 * be refused, and the client recipe with a token must keep working over TCP and WebSocket.
 */
const SECRET = `trust-${randomBytes(24).toString('hex')}`;
const PREFIX = 'dms/';
const tokens = await Tokens.create({ secret: SECRET, ttlSeconds: 3600 });
const minted: string[] = [];
const tokenFor = async (userId: number, now?: number) => {
  const { token } = await tokens.mint(userId, now);
  minted.push(token);
  return token;
};
const randomUser = () => 1 + Math.floor(Math.random() * 1e12);
/** Time for a message that was going to arrive to arrive. */
const SETTLE_MS = 400;

let dino: DinoProcess;
let tcp: string;
let ws: string;
const apps: App[] = [];

/** The client recipe with a token: client id and user name = user id, password = token, persistent session. */
async function app(userId: number, options: { clientId?: string; clean?: boolean; url?: string; subscribe?: boolean } = {}) {
  const connected = await App.connect(options.url ?? tcp, {
    clientId: options.clientId ?? String(userId), username: String(userId), password: await tokenFor(userId), clean: options.clean ?? false,
  });
  apps.push(connected);
  if (options.subscribe !== false) expect(await connected.subscribe([PREFIX + userId])).toEqual([1]);
  return connected;
}

/** Sends `data` to users through REST, as the community's backend would. */
async function notify(userIds: number[], data: Record<string, unknown>) {
  const sent = await api(dino.base, 'POST', '/v1/notification/send', { event_type: 'probe', notification: [{ user_ids: userIds, data }] });
  expect(sent.status).toBe(201);
}

const payloads = (a: App) => a.received.map((m) => JSON.parse(m.payload));
const waitForPayload = (a: App, key: string, value: unknown) =>
  until(`${key}=${String(value)}`, async () => payloads(a).some((p) => p[key] === value), 10_000);

async function refused(options: { clientId: string; username?: string; password?: string }): Promise<number | undefined> {
  try {
    const connected = await App.connect(tcp, { ...options, clean: false });
    await connected.close();
    return 0;
  } catch (err) {
    return refusalCode(err);
  }
}

beforeAll(async () => {
  dino = await startDino('start', {
    DINO_DATA_DIR: mkdtempSync(join(tmpdir(), 'dino-trust-')), DINO_JWT_SECRET: SECRET, DINO_MQTT_TOPIC_PREFIX: PREFIX, DINO_LOG_LEVEL: 'debug',
  });
  tcp = `mqtt://127.0.0.1:${dino.mqttPort}`;
  ws = `ws://127.0.0.1:${dino.mqttWsPort}/mqtt`;
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  expect(await dino?.stop()).toBe(0);
});

describe('embedded broker in secure mode', () => {
  it('runs the client recipe with a token over TCP and WebSocket and delivers a message sent through REST', async () => {
    const [alice, bob] = [randomUser(), randomUser()];
    const [aliceApp, bobApp] = [await app(alice), await app(bob, { url: ws })];
    const group = await api(dino.base, 'POST', `/v1/users/${alice}/groups/create`, { group_name: 'trusted', users: [bob] });
    const sent = await api(dino.base, 'POST', `/v1/groups/${group.body.group_id}/user/${alice}/send`, {
      message_payload: 'hello over a token', message_type: 'text',
    });
    expect(sent.status).toBe(200);
    for (const a of [aliceApp, bobApp]) await waitForPayload(a, 'message_id', sent.body.message_id);
  });

  it('refuses anonymous, wrong, expired and borrowed logins with CONNACK 5 (not authorized)', async () => {
    const [alice, bob] = [randomUser(), randomUser()];
    const other = await (await Tokens.create({ secret: `${SECRET}-other`, ttlSeconds: 60 })).mint(alice);
    const expired = await tokenFor(alice, Date.now() - 7200_000);
    const bobs = await tokenFor(bob);
    const attempts = {
      anonymous: { clientId: String(alice) },
      'no password': { clientId: String(alice), username: String(alice) },
      'token of another secret': { clientId: String(alice), username: String(alice), password: other.token },
      'expired token': { clientId: String(alice), username: String(alice), password: expired },
      "bob's token as alice": { clientId: String(alice), username: String(alice), password: bobs },
      "bob's login under alice's client id": { clientId: String(alice), username: String(bob), password: bobs },
      "bob's login under alice's device id": { clientId: `${alice}-web`, username: String(bob), password: bobs },
      'a guessed publisher password': { clientId: 'dino-x', username: PUBLISHER_USERNAME, password: 'guess' },
      'the secret as publisher password': { clientId: 'dino-x', username: PUBLISHER_USERNAME, password: SECRET },
    };
    const codes = Object.fromEntries(await Promise.all(Object.entries(attempts).map(async ([name, login]) => [name, await refused(login)])));
    expect(codes).toEqual(Object.fromEntries(Object.keys(attempts).map((name) => [name, 5])));
    // A device label after the user id is the same user.
    expect(await refused({ clientId: `${alice}-web`, username: String(alice), password: await tokenFor(alice) })).toBe(0);
  });

  it("answers SUBACK 128 to every filter but the user's own topic, and delivers only that", async () => {
    const [alice, bob] = [randomUser(), randomUser()];
    const aliceApp = await app(alice, { subscribe: false });
    const bobApp = await app(bob);
    const foreign = [PREFIX + bob, '#', `${PREFIX}#`, `${PREFIX}+`, '+', '$SYS/#', '$SYS/+/new/clients', `${PREFIX}${alice}/#`];
    expect(await aliceApp.subscribe(foreign)).toEqual(foreign.map(() => 128));
    expect(await aliceApp.subscribe([String(alice), `${PREFIX}${alice}0`])).toEqual([128, 128]);
    expect(await aliceApp.subscribe([PREFIX + alice], 2)).toEqual([128]);
    expect(await aliceApp.subscribe([PREFIX + alice], 0)).toEqual([0]);
    await notify([bob], { secret_for: bob });
    await waitForPayload(bobApp, 'secret_for', bob);
    await sleep(SETTLE_MS);
    expect(aliceApp.received).toEqual([]);
  });

  it("keeps no refused filter in a persistent session: nothing of another user's is waiting on reconnect", async () => {
    const [alice, bob] = [randomUser(), randomUser()];
    const bobApp = await app(bob);
    const away = await app(alice, { subscribe: false });
    expect(await away.subscribe([PREFIX + alice, '#', PREFIX + bob])).toEqual([1, 128, 128]);
    await away.close();
    await notify([bob], { secret_for: bob });
    await waitForPayload(bobApp, 'secret_for', bob);
    await notify([alice], { marker: alice });
    const back = await app(alice, { subscribe: false });
    await waitForPayload(back, 'marker', alice);
    await sleep(SETTLE_MS);
    // Delivery is at least once: a message that arrives while the session is being restored may come twice. What
    // must never come is anything of another user's.
    expect([...new Set(back.received.map((m) => m.payload))].map((text) => JSON.parse(text))).toEqual([{ event_type: 'probe', marker: alice }]);
  });

  it('closes the connection of an app that publishes, retained or not, and delivers nothing of it', async () => {
    const [mallory, bob] = [randomUser(), randomUser()];
    const bobApp = await app(bob);
    const forged = JSON.stringify({ event_type: 'message', sender_id: mallory, message_payload: 'forged', message_type: 'text' });
    const tries = [
      { topic: PREFIX + bob, qos: 1, retain: false },
      { topic: PREFIX + bob, qos: 0, retain: false },
      { topic: PREFIX + bob, qos: 1, retain: true },
      { topic: PREFIX + mallory, qos: 1, retain: false },
    ] as const;
    for (const { topic, qos, retain } of tries) {
      const malloryApp = await app(mallory, { subscribe: false });
      malloryApp.client.publish(topic, forged, { qos, retain }, () => undefined);
      expect(await malloryApp.closesWithin(2000), `${topic} qos ${qos} retain ${retain}`).toBe(true);
    }
    await notify([bob], { genuine: true });
    await waitForPayload(bobApp, 'genuine', true);
    const newDevice = await app(bob, { clientId: `${bob}-tablet`, clean: true });
    await sleep(SETTLE_MS);
    expect(payloads(bobApp)).toEqual([{ event_type: 'probe', genuine: true }]);
    expect(newDevice.received).toEqual([]);
  });

  it("refuses a takeover of another user's client id; the queued messages stay for their owner", async () => {
    const [victim, mallory, witness] = [randomUser(), randomUser(), randomUser()];
    const witnessApp = await app(witness);
    await (await app(victim)).close();
    await notify([victim, witness], { queued_for: victim });
    await waitForPayload(witnessApp, 'queued_for', victim);

    const mallorys = await tokenFor(mallory);
    expect(await refused({ clientId: String(victim) })).toBe(5);
    expect(await refused({ clientId: String(victim), username: String(victim) })).toBe(5);
    expect(await refused({ clientId: String(victim), username: String(mallory), password: mallorys })).toBe(5);
    expect(await refused({ clientId: String(victim), username: String(victim), password: mallorys })).toBe(5);

    const back = await app(victim, { subscribe: false });
    await waitForPayload(back, 'queued_for', victim);
  });
});

/** Other Dino processes: publishing through this file's broker, or secured by a public key only. */
const others: DinoProcess[] = [];

describe("Dino's own publishers", () => {
  const another = async (env: Record<string, string>) => {
    const started = await startDino('start', { DINO_DATA_DIR: mkdtempSync(join(tmpdir(), 'dino-trust-')), ...env });
    others.push(started);
    return started;
  };
  afterAll(async () => {
    for (const other of others) expect(await other.stop()).toBe(0);
  });

  it('log in to an external broker with the password derived from DINO_JWT_SECRET, and are refused with another', async () => {
    const user = randomUser();
    const userApp = await app(user);
    const external = { DINO_MQTT_URL: tcp, DINO_MQTT_TOPIC_PREFIX: PREFIX };
    const [sameSecret, otherSecret] = await Promise.all([
      another({ ...external, DINO_JWT_SECRET: SECRET }),
      another({ ...external, DINO_JWT_SECRET: `${SECRET}-other` }),
    ]);
    const sent = await api(sameSecret.base, 'POST', '/v1/notification/send', { event_type: 'probe', notification: [{ user_ids: [user], data: { via: 'external' } }] });
    expect(sent.status).toBe(201);
    await waitForPayload(userApp, 'via', 'external');

    await until('the refused login line', async () => otherSecret.logs.some((l) => l.includes('refused the fan-out publisher login')), 10_000);
    expect((await api(otherSecret.base, 'GET', '/readyz')).body.parts.broker).not.toBe('ok');
  });

  it('publish with only a public key configured (from the embedded broker\'s thread, with no login); DINO_INSECURE warns', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyFile = join(mkdtempSync(join(tmpdir(), 'dino-trust-key-')), 'public.pem');
    writeFileSync(keyFile, pair.publicKey.export({ type: 'spki', format: 'pem' }));
    const signer = await importPKCS8(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'ES256');
    const keyOnly = await another({ DINO_JWT_PUBLIC_KEY_FILE: keyFile, DINO_INSECURE: 'true' });
    expect(keyOnly.logs.some((l) => l.includes('DINO_INSECURE=true') && l.includes('REST API without DINO_API_KEY'))).toBe(true);

    const user = randomUser();
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setSubject(String(user)).setExpirationTime('1h').sign(signer);
    const userApp = await App.connect(`mqtt://127.0.0.1:${keyOnly.mqttPort}`, { clientId: String(user), username: String(user), password: token, clean: true });
    apps.push(userApp);
    expect(await userApp.subscribe([String(user)])).toEqual([1]);
    const sent = await api(keyOnly.base, 'POST', '/v1/notification/send', { event_type: 'probe', notification: [{ user_ids: [user], data: { signed: 'ES256' } }] });
    expect(sent.status).toBe(201);
    await waitForPayload(userApp, 'signed', 'ES256');
  });
});

describe('logs', () => {
  it('name no secret, publisher password or token', async () => {
    const logs = [dino, ...others].flatMap((d) => d.logs).join('\n');
    expect(logs).toContain('mqtt connection refused');
    expect(minted.length).toBeGreaterThan(5);
    for (const secret of [SECRET, publisherPassword(SECRET), publisherPassword(`${SECRET}-other`), ...minted]) expect(logs.includes(secret)).toBe(false);
  });
});
