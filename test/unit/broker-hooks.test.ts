import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importPKCS8, SignJWT } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { openAuth } from '../../src/auth/open.js';
import { PUBLISHER_USERNAME } from '../../src/auth/tokens.js';
import { ConfigError } from '../../src/config.js';
import { emqxAuthz } from '../../src/http/hooks/emqx.js';
import { Access, goAuthAcl } from '../../src/http/hooks/go-auth.js';
import { refuseEverything } from '../../src/http/hooks/policy.js';
import { vernemqHook } from '../../src/http/hooks/vernemq.js';
import { logger } from '../../src/log.js';

const SECRET = 'a-unit-test-secret-of-32-characters!';
const auth = { jwtSecret: SECRET, jwtTtlSeconds: 60, insecure: false };
const policy = async () => (await openAuth(auth, 'u/'))!.policy;

describe('openAuth', () => {
  it('is null without a secret or a public key: open mode, nothing to check against', async () => {
    expect(await openAuth({ jwtTtlSeconds: 60, insecure: false }, '')).toBeNull();
  });

  it('names DINO_JWT_PUBLIC_KEY_FILE when the file cannot be read', async () => {
    const missing = openAuth({ jwtPublicKeyFile: '/nonexistent/key.pem', jwtTtlSeconds: 60, insecure: false }, '');
    await expect(missing).rejects.toThrow(ConfigError);
    await expect(missing).rejects.toThrow(/^DINO_JWT_PUBLIC_KEY_FILE \(--jwt-public-key-file\): cannot read/);
  });

  it('with a public key only, verifies the community\'s tokens but cannot mint', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const file = join(mkdtempSync(join(tmpdir(), 'dino-key-')), 'public.pem');
    writeFileSync(file, pair.publicKey.export({ type: 'spki', format: 'pem' }));
    const opened = (await openAuth({ jwtPublicKeyFile: file, jwtTtlSeconds: 60, insecure: false }, ''))!;
    const signer = await importPKCS8(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'ES256');
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setSubject('42').setExpirationTime('1h').sign(signer);
    expect(opened.tokens.canMint).toBe(false);
    expect(await opened.policy.authenticate({ clientId: '42', username: '42', password: token })).toEqual({ kind: 'user', userId: 42 });
  });
});

describe('hook answers', () => {
  it('without a policy, refuses everything and logs why once a minute', async () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    try {
      const refusing = refuseEverything();
      expect(await refusing.authenticate({ clientId: '1', username: '1', password: 'x' })).toBeNull();
      expect(refusing.identityOf(PUBLISHER_USERNAME, 'p')).toBeNull();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain('DINO_JWT_SECRET');
    } finally {
      warn.mockRestore();
    }
  });

  it('EMQX authz takes retain as EMQX renders it (a string) or as a JSON boolean', async () => {
    const ask = async (retain: unknown) => (await emqxAuthz(await policy(), {
      clientid: 'p', username: PUBLISHER_USERNAME, topic: 'u/7', action: 'publish', retain,
    })).body;
    expect([await ask('false'), await ask(false), await ask('true'), await ask(true)].map((b: any) => b.result))
      .toEqual(['allow', 'allow', 'deny', 'deny']);
  });

  it('VerneMQ answers a SUBSCRIBE it allows whole with a plain ok, and keeps MQTT 5 options of rewritten topics', async () => {
    const subscribe = vernemqHook('auth_on_subscribe_m5');
    const own = { topic: 'u/7', qos: 1, no_local: false, retain_handling: 'send_retain' };
    expect((await subscribe(await policy(), { client_id: '7', username: '7', topics: [own] })).body).toEqual({ result: 'ok' });
    const mixed = await subscribe(await policy(), { client_id: '7', username: '7', topics: [own, { ...own, topic: 'u/8' }] });
    expect(mixed.body).toEqual({ result: 'ok', topics: [own, { ...own, topic: 'u/8', qos: 135 }] });
  });

  it('mosquitto-go-auth: read, subscribe and unsubscribe follow the own-topic rule; write is the publisher\'s', async () => {
    const cases: Array<[string, number, string, number]> = [
      ['7', Access.read, 'u/7', 200], ['7', Access.subscribe, 'u/7', 200], ['7', Access.unsubscribe, 'u/7', 200],
      ['7', Access.write, 'u/7', 403], ['7', Access.read, 'u/8', 403], ['7', Access.subscribe, 'u/#', 403],
      [PUBLISHER_USERNAME, Access.write, 'u/8', 200], [PUBLISHER_USERNAME, Access.read, 'u/8', 403], ['', Access.read, 'u/7', 403],
    ];
    for (const [username, acc, topic, status] of cases) {
      const answer = await goAuthAcl(await policy(), { username, clientid: username === '7' ? '7' : 'p', topic, acc });
      expect(answer.status, `${username} ${acc} ${topic}`).toBe(status);
    }
  });
});
