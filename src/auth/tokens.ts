import { createHmac } from 'node:crypto';
import { importSPKI, jwtVerify, SignJWT, type CryptoKey, type JWTHeaderParameters } from 'jose';

/** The MQTT credentials part of the configuration (`DINO_JWT_*`). */
export interface TokenSettings {
  /** HS256 secret: verifies app tokens, mints them, and derives the fan-out's own broker password. */
  secret?: string;
  /** PEM public key (SPKI) of the community's own signer: RS256 or ES256 tokens are accepted too. */
  publicKeyPem?: string;
  /** Lifetime of the tokens Dino mints (`POST /v1/users/{id}/token`). */
  ttlSeconds: number;
}

const USER_ID = /^[1-9][0-9]{0,15}$/;
const ASYMMETRIC = ['RS256', 'ES256'] as const;

/** A user id as MQTT carries it (a username, a `sub`, a topic suffix): a positive integer up to 2^53−1, or null. */
export function userIdOf(text: string | undefined): number | null {
  if (text === undefined || !USER_ID.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}

/**
 * JWTs for app clients: `sub` = the user id, `exp` required. Dino mints HS256 with `DINO_JWT_SECRET`; a community
 * that keeps its signing key to itself configures its public key instead (or as well).
 */
export class Tokens {
  private constructor(
    private readonly secret: Uint8Array | null,
    private readonly publicKey: { key: CryptoKey; alg: (typeof ASYMMETRIC)[number] }[],
    private readonly ttlSeconds: number,
  ) {}

  static async create(settings: TokenSettings): Promise<Tokens> {
    const secret = settings.secret === undefined ? null : new TextEncoder().encode(settings.secret);
    const keys = [];
    if (settings.publicKeyPem !== undefined) {
      for (const alg of ASYMMETRIC) {
        // One PEM is either an RSA or an EC key: import it for whichever algorithm it fits.
        const key = await importSPKI(settings.publicKeyPem, alg).catch(() => null);
        if (key) keys.push({ key, alg });
      }
      if (keys.length === 0) throw new Error('DINO_JWT_PUBLIC_KEY_FILE: not an RSA or EC public key in PEM (SPKI) form');
    }
    return new Tokens(secret, keys, settings.ttlSeconds);
  }

  get canMint(): boolean {
    return this.secret !== null;
  }

  async mint(userId: number, now = Date.now()): Promise<{ token: string; expiresAt: number }> {
    if (!this.secret) throw new Error('minting tokens needs DINO_JWT_SECRET');
    const issuedAt = Math.floor(now / 1000);
    const expiresAt = issuedAt + this.ttlSeconds;
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(String(userId))
      .setIssuedAt(issuedAt).setExpirationTime(expiresAt).sign(this.secret);
    return { token, expiresAt };
  }

  /** The user id the token was issued to, or null for anything not valid now (bad signature, expired, no exp). */
  async verify(token: string, now = Date.now()): Promise<number | null> {
    if (token.length === 0 || token.length > 8192) return null;
    try {
      const { payload } = await jwtVerify(token, (header: JWTHeaderParameters) => this.keyFor(header.alg), {
        algorithms: [...(this.secret ? ['HS256'] : []), ...this.publicKey.map((k) => k.alg)],
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(now),
      });
      return userIdOf(payload.sub);
    } catch {
      return null;
    }
  }

  private keyFor(alg: string | undefined): Uint8Array | CryptoKey {
    if (alg === 'HS256' && this.secret) return this.secret;
    const match = this.publicKey.find((k) => k.alg === alg);
    if (!match) throw new Error(`no key for ${alg}`);
    return match.key;
  }
}

/**
 * The password of Dino's own publisher connections: derived from the secret, so every Dino process (and the broker
 * hooks) agrees on it without another setting, and an app that knows its own tokens cannot work it out.
 */
export function publisherPassword(secret: string): string {
  return createHmac('sha256', secret).update('dino fan-out publisher v1').digest('base64url');
}

/** The MQTT username of Dino's own publisher connections (app usernames are user ids: digits only). */
export const PUBLISHER_USERNAME = 'dino-fanout';
