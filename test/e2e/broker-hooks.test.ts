import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLISHER_USERNAME, publisherPassword, Tokens } from '../../src/auth/tokens.js';
import { ACC, emqx, goAuth, hookCaller, REFUSED_QOS, vernemq, type Call, type Client } from '../support/broker-hooks.js';
import { api, startDino, type DinoProcess } from '../support/dino-process.js';

const SECRET = 'the-hooks-test-secret-of-32-chars-or-more';
const API_KEY = 'broker-hooks-api-key-0123456789';
const PREFIX = 'dms/test/';
const TTL_SECONDS = 3600;
const [ME, OTHER] = [1234, 5678];
const bearer = { authorization: `Bearer ${API_KEY}` };
const hookPaths = ['/auth/emqx/authn', '/auth/emqx/authz', '/auth/vernemq', '/auth/go-auth/user', '/auth/go-auth/superuser', '/auth/go-auth/acl'];

const freshDataDir = () => mkdtempSync(join(tmpdir(), 'dino-hooks-'));
const mint = async (dino: DinoProcess, userId: number | string) =>
  api(dino.base, 'POST', `/v1/users/${userId}/token`, undefined, bearer);

describe('broker auth hooks with DINO_JWT_SECRET', () => {
  let dino: DinoProcess;
  let token: string;
  let expiresAt: number;
  let callers: { header: Call; query: Call };
  const app = (): Client => ({ clientId: String(ME), username: String(ME), password: token });
  const publisher: Client = { clientId: 'dino-fanout-0-1', username: PUBLISHER_USERNAME, password: publisherPassword(SECRET) };
  const own = `${PREFIX}${ME}`;
  const others = `${PREFIX}${OTHER}`;

  beforeAll(async () => {
    dino = await startDino('start', {
      DINO_DATA_DIR: freshDataDir(), DINO_JWT_SECRET: SECRET, DINO_JWT_TTL: '1h', DINO_API_KEY: API_KEY, DINO_MQTT_TOPIC_PREFIX: PREFIX,
    });
    callers = { header: hookCaller(dino.base, API_KEY, 'header'), query: hookCaller(dino.base, API_KEY, 'query') };
    const minted = await mint(dino, ME);
    expect(minted.status).toBe(200);
    ({ token, expires_at: expiresAt } = minted.body);
  });
  afterAll(async () => {
    if (dino) expect(await dino.stop()).toBe(0);
  });

  it('mints a token for a user: float UNIX seconds, DINO_JWT_TTL ahead; bad ids are 400/605, no key is 401', async () => {
    expect(typeof token).toBe('string');
    expect(expiresAt).toBeGreaterThan(Date.now() / 1000 + TTL_SECONDS - 60);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() / 1000 + TTL_SECONDS);
    for (const bad of ['0', '-5', 'abc', '9007199254740993']) {
      const response = await mint(dino, bad);
      expect([response.status, response.body.code]).toEqual([400, 605]);
      expect(response.body.detail).toContain('user_id:');
    }
    expect((await api(dino.base, 'POST', `/v1/users/${ME}/token`)).status).toBe(401);
  });

  // EMQX sends the key as a header; VerneMQ and mosquitto-go-auth cannot, so theirs is in the URL.
  const brokers = [['EMQX', () => emqx(callers.header)], ['VerneMQ', () => vernemq(callers.query)], ['mosquitto-go-auth', () => goAuth(callers.query)]] as const;

  describe.each(brokers)('%s', (_name, brokerOf) => {
    it('lets an app connect with a minted token, under its user id or a device id of it', async () => {
      const broker = brokerOf();
      expect(await broker.connect(app())).toBe(true);
      expect(await broker.connect({ ...app(), clientId: `${ME}-web` })).toBe(true);
    });

    it('refuses an expired token, one of another secret, another user\'s, another client id, or none', async () => {
      const broker = brokerOf();
      const expired = (await (await Tokens.create({ secret: SECRET, ttlSeconds: 60 })).mint(ME, Date.now() - 3_600_000)).token;
      const foreign = (await (await Tokens.create({ secret: 'another-secret-of-at-least-32-characters', ttlSeconds: 60 })).mint(ME)).token;
      const othersToken = (await mint(dino, OTHER)).body.token as string;
      for (const client of [
        { ...app(), password: expired }, { ...app(), password: foreign }, { ...app(), password: othersToken },
        { ...app(), clientId: String(OTHER) }, { ...app(), password: undefined }, { ...app(), username: undefined },
      ]) expect(await broker.connect(client), JSON.stringify(client)).toBe(false);
    });

    it('lets Dino\'s publisher connect with the password derived from the secret, and nobody else by its name', async () => {
      const broker = brokerOf();
      expect(await broker.connect(publisher)).toBe(true);
      expect(await broker.connect({ ...publisher, password: token })).toBe(false);
      expect(await broker.connect({ ...publisher, password: publisherPassword('another-secret-of-at-least-32-characters') })).toBe(false);
    });

    it('lets an app subscribe to its own topic only: no other user, no wildcard, no $SYS', async () => {
      const broker = brokerOf();
      expect(await broker.subscribe(app(), own)).toBe(true);
      for (const topic of [others, `${ME}`, '#', `${PREFIX}+`, `${PREFIX}#`, '$SYS/#', `$share/g/${own}`]) {
        expect(await broker.subscribe(app(), topic), topic).toBe(false);
      }
      expect(await broker.subscribe(publisher, own)).toBe(false);
    });

    it('lets only the publisher publish, to user topics, never retained', async () => {
      const broker = brokerOf();
      expect(await broker.publish(publisher, own, false)).toBe(true);
      expect(await broker.publish(publisher, others, false)).toBe(true);
      if (broker.knowsRetain) expect(await broker.publish(publisher, own, true)).toBe(false);
      for (const topic of [`${PREFIX}alice`, `${ME}`, '$SYS/broker/x', `${PREFIX}#`]) {
        expect(await broker.publish(publisher, topic, false), topic).toBe(false);
      }
      expect(await broker.publish(app(), own, false)).toBe(false);
      expect(await broker.publish(app(), others, false)).toBe(false);
    });
  });

  it('EMQX: an allowed app gets its token\'s expiry and rules for its own topic, never superuser', async () => {
    const response = await callers.header('/auth/emqx/authn', { clientid: String(ME), username: String(ME), password: token });
    expect(response.body).toEqual({
      result: 'allow', is_superuser: false, expire_at: expiresAt,
      acl: [{ permission: 'allow', action: 'subscribe', topic: `eq ${own}` }, { permission: 'deny', action: 'all', topic: '#' }],
    });
    const publisherAnswer = await callers.header('/auth/emqx/authn', { clientid: 'p', username: PUBLISHER_USERNAME, password: publisher.password });
    expect(publisherAnswer.body).toEqual({ result: 'allow', is_superuser: false });
    expect((await callers.header('/auth/emqx/authn', { clientid: String(ME), username: String(ME), password: 'x' })).body).toEqual({ result: 'deny' });
  });

  it('VerneMQ: refused topics of a SUBSCRIBE come back with QoS 128 (135 for MQTT 5), the rest as asked', async () => {
    const topics = [{ topic: own, qos: 1 }, { topic: others, qos: 1 }, { topic: '#', qos: 0 }];
    const ask = (hook: string) => callers.query('/auth/vernemq', { client_id: String(ME), mountpoint: '', username: String(ME), topics }, { 'vernemq-hook': hook });
    expect((await ask('auth_on_subscribe')).body).toEqual({ result: 'ok', topics: [topics[0], { topic: others, qos: REFUSED_QOS }, { topic: '#', qos: REFUSED_QOS }] });
    expect((await ask('auth_on_subscribe_m5')).body.topics.map((t: { qos: number }) => t.qos)).toEqual([1, 135, 135]);
    const register = { peer_addr: '::1', peer_port: 1, username: String(ME), password: 'nope', mountpoint: '', client_id: String(ME), clean_start: true, properties: {} };
    expect((await callers.query('/auth/vernemq', register, { 'vernemq-hook': 'auth_on_register_m5' })).body).toEqual({ result: { error: 'not_allowed' } });
    expect((await callers.query('/auth/vernemq', { ...register, password: token }, { 'vernemq-hook': 'auth_on_register_m5' })).body).toEqual({ result: 'ok' });
  });

  it('mosquitto-go-auth: an app may read its own topic, nobody is superuser', async () => {
    const broker = goAuth(callers.query);
    expect(await broker.access(app(), own, ACC.read)).toBe(true);
    expect(await broker.access(app(), others, ACC.read)).toBe(false);
    expect(await broker.access(publisher, own, ACC.read)).toBe(false);
    expect(await broker.access(app(), own, ACC.unsubscribe)).toBe(true);
    for (const username of [String(ME), PUBLISHER_USERNAME]) {
      const response = await callers.query('/auth/go-auth/superuser', { username });
      expect([response.status, response.body]).toEqual([403, { ok: false, error: 'not allowed' }]);
    }
  });

  it('needs the API key on every hook: 401 without it or with a wrong one; /v1 takes no key from the URL', async () => {
    const noKey = hookCaller(dino.base, undefined, 'header');
    const wrongKey = hookCaller(dino.base, 'not-the-key-at-all-0123', 'query');
    for (const path of hookPaths) {
      for (const call of [noKey, wrongKey]) {
        const response = await call(path, {}, { 'vernemq-hook': 'auth_on_register' });
        expect([response.status, response.body.code], path).toEqual([401, 610]);
      }
    }
    expect((await api(dino.base, 'POST', `/v1/users/${ME}/token?api_key=${API_KEY}`)).status).toBe(401);
  });

  const malformed: Array<[string, string, unknown, Record<string, string>?]> = [
    ['broken JSON', '/auth/emqx/authn', '{"clientid": "1",'],
    ['a JSON array', '/auth/emqx/authz', '[1,2]'],
    ['null', '/auth/go-auth/user', 'null'],
    ['authn without clientid', '/auth/emqx/authn', { username: '1', password: 'x' }],
    ['authz with an unknown action', '/auth/emqx/authz', { clientid: '1', username: '1', topic: 't', action: 'all', retain: 'false' }],
    ['authz publish without retain', '/auth/emqx/authz', { clientid: '1', username: '1', topic: 't', action: 'publish' }],
    ['no vernemq-hook header', '/auth/vernemq', { client_id: '1' }],
    ['an event hook', '/auth/vernemq', { client_id: '1' }, { 'vernemq-hook': 'on_publish' }],
    ['subscribe without topics', '/auth/vernemq', { client_id: '1', username: '1', topics: [] }, { 'vernemq-hook': 'auth_on_subscribe' }],
    ['publish with retain as text', '/auth/vernemq', { client_id: '1', username: '1', topic: 't', retain: 'no' }, { 'vernemq-hook': 'auth_on_publish' }],
    ['acl with acc 3', '/auth/go-auth/acl', { username: '1', clientid: '1', topic: 't', acc: 3 }],
    ['superuser without username', '/auth/go-auth/superuser', {}],
  ];

  it.each(malformed)('answers a malformed hook body (%s) with 400/605', async (_name, path, body, headers) => {
    const response = await callers.header(path, body, headers);
    expect([response.status, response.body.code]).toEqual([400, 605]);
  });

  it('refuses a hook body over DINO_BODY_LIMIT with 413, and still answers afterwards', async () => {
    const response = await callers.header('/auth/emqx/authn', JSON.stringify({ clientid: '1', password: 'x'.repeat(2 * 1024 * 1024) }));
    expect([response.status, response.body.code]).toEqual([413, 612]);
    expect(await emqx(callers.header).connect(app())).toBe(true);
  });
});

describe('broker auth hooks without a JWT secret or public key', () => {
  let dino: DinoProcess;
  const call = () => hookCaller(dino.base, undefined, 'header');
  beforeAll(async () => {
    dino = await startDino('start', { DINO_DATA_DIR: freshDataDir() });
  });
  afterAll(async () => {
    if (dino) expect(await dino.stop()).toBe(0);
  });

  it('cannot mint tokens: 501 with code 630 naming DINO_JWT_SECRET', async () => {
    const response = await api(dino.base, 'POST', `/v1/users/${ME}/token`);
    expect([response.status, response.body.code]).toEqual([501, 630]);
    expect(response.body.detail).toMatch(/^630: .*DINO_JWT_SECRET/);
  });

  it('refuses everything in every broker\'s terms, and logs why', async () => {
    const token = (await (await Tokens.create({ secret: SECRET, ttlSeconds: 60 })).mint(ME)).token;
    const client = { clientId: String(ME), username: String(ME), password: token };
    const publisher = { clientId: 'p', username: PUBLISHER_USERNAME, password: publisherPassword(SECRET) };
    for (const broker of [emqx(call()), vernemq(call()), goAuth(call())]) {
      expect(await broker.connect(client), broker.name).toBe(false);
      expect(await broker.connect(publisher), broker.name).toBe(false);
      expect(await broker.subscribe(client, String(ME)), broker.name).toBe(false);
      expect(await broker.publish(publisher, String(ME), false), broker.name).toBe(false);
    }
    expect(dino.logs.some((line) => line.includes('broker auth hook refused') && line.includes('DINO_JWT_SECRET'))).toBe(true);
  });
});
