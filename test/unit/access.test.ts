import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import { describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../src/auth/access.js';
import { PUBLISHER_USERNAME, publisherPassword, Tokens } from '../../src/auth/tokens.js';

const SECRET = 'a-test-secret-of-some-length';

describe('tokens', () => {
  it('mints a token that verifies to its user, and refuses it once expired', async () => {
    const tokens = await Tokens.create({ secret: SECRET, ttlSeconds: 60 });
    const { token, expiresAt } = await tokens.mint(1234, 1_000_000_000_000);
    expect(expiresAt).toBe(1_000_000_060);
    expect(await tokens.verify(token, 1_000_000_030_000)).toBe(1234);
    expect(await tokens.verify(token, 1_000_000_061_000)).toBeNull();
  });

  it('refuses another secret, a token without exp, a non-numeric sub and garbage', async () => {
    const tokens = await Tokens.create({ secret: SECRET, ttlSeconds: 60 });
    const other = await Tokens.create({ secret: 'another secret', ttlSeconds: 60 });
    expect(await tokens.verify((await other.mint(1)).token)).toBeNull();
    const key = new TextEncoder().encode(SECRET);
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('1').sign(key);
    const badSub = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime('1h').sign(key);
    expect(await tokens.verify(noExp)).toBeNull();
    expect(await tokens.verify(badSub)).toBeNull();
    expect(await tokens.verify('not.a.jwt')).toBeNull();
    expect(await tokens.verify('')).toBeNull();
  });

  it('accepts RS256 and ES256 tokens signed by the configured public key', async () => {
    for (const [type, alg, options] of [['rsa', 'RS256', { modulusLength: 2048 }], ['ec', 'ES256', { namedCurve: 'P-256' }]] as const) {
      const pair = generateKeyPairSync(type as 'rsa', options as { modulusLength: number });
      const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const tokens = await Tokens.create({ publicKeyPem: pem, ttlSeconds: 60 });
      const signer = await importPKCS8(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), alg);
      const token = await new SignJWT({}).setProtectedHeader({ alg }).setSubject('77').setExpirationTime('1h').sign(signer);
      expect(await tokens.verify(token)).toBe(77);
      expect(tokens.canMint).toBe(false);
    }
  });
});

describe('access policy', () => {
  const policyWith = async (prefix = 'dms/') =>
    new AccessPolicy(await Tokens.create({ secret: SECRET, ttlSeconds: 60 }), prefix, SECRET);

  it('lets a user in with a valid token under its own client id or a device id, and no one else', async () => {
    const policy = await policyWith();
    const { token } = await (await Tokens.create({ secret: SECRET, ttlSeconds: 60 })).mint(1234);
    expect(await policy.authenticate({ clientId: '1234', username: '1234', password: token })).toEqual({ kind: 'user', userId: 1234 });
    expect(await policy.authenticate({ clientId: '1234-web', username: '1234', password: token })).toEqual({ kind: 'user', userId: 1234 });
    expect(await policy.authenticate({ clientId: '5678', username: '1234', password: token })).toBeNull();
    expect(await policy.authenticate({ clientId: '12345', username: '1234', password: token })).toBeNull();
    expect(await policy.authenticate({ clientId: '5678', username: '5678', password: token })).toBeNull();
    expect(await policy.authenticate({ clientId: '1234', username: '1234' })).toBeNull();
    expect(await policy.authenticate({ clientId: '1234' })).toBeNull();
  });

  it("knows Dino's publishers by the derived password only", async () => {
    const policy = await policyWith();
    const password = publisherPassword(SECRET);
    expect(await policy.authenticate({ clientId: 'dino-x', username: PUBLISHER_USERNAME, password })).toEqual({ kind: 'publisher' });
    expect(await policy.authenticate({ clientId: 'dino-x', username: PUBLISHER_USERNAME, password: password + 'x' })).toBeNull();
    expect(await policy.authenticate({ clientId: 'dino-x', username: PUBLISHER_USERNAME, password: SECRET })).toBeNull();
  });

  it('lets a user subscribe to its own topic only, and publish nowhere', async () => {
    const policy = await policyWith();
    const alice = { kind: 'user', userId: 1234 } as const;
    expect(policy.maySubscribe(alice, 'dms/1234')).toBe(true);
    for (const topic of ['dms/5678', 'dms/#', 'dms/+', '#', '+', '$SYS/#', '1234', 'dms/1234/#', 'dms/12345']) {
      expect(policy.maySubscribe(alice, topic)).toBe(false);
    }
    expect(policy.mayPublish(alice, 'dms/1234', false)).toBe(false);
  });

  it('lets the publisher publish to user topics, not retained, not elsewhere', async () => {
    const policy = await policyWith();
    const publisher = { kind: 'publisher' } as const;
    expect(policy.mayPublish(publisher, 'dms/1234', false)).toBe(true);
    expect(policy.mayPublish(publisher, 'dms/1234', true)).toBe(false);
    expect(policy.mayPublish(publisher, 'other/1234', false)).toBe(false);
    expect(policy.mayPublish(publisher, 'dms/x', false)).toBe(false);
    expect(policy.maySubscribe(publisher, 'dms/1234')).toBe(false);
  });
});
