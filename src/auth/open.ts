import { readFile } from 'node:fs/promises';
import { ConfigError, type AuthConfig } from '../config.js';
import { AccessPolicy } from './access.js';
import { Tokens } from './tokens.js';

/** The credentials side of secure mode: tokens to mint and verify, and the one access policy built on them. */
export interface Auth {
  tokens: Tokens;
  policy: AccessPolicy;
}

/** Builds them from `DINO_JWT_*`; null when neither a secret nor a public key is configured (open mode). */
export async function openAuth(auth: AuthConfig, topicPrefix: string): Promise<Auth | null> {
  if (auth.jwtSecret === undefined && auth.jwtPublicKeyFile === undefined) return null;
  const publicKeyPem = auth.jwtPublicKeyFile === undefined ? undefined : await readPublicKey(auth.jwtPublicKeyFile);
  const tokens = await Tokens.create({ secret: auth.jwtSecret, publicKeyPem, ttlSeconds: auth.jwtTtlSeconds });
  return { tokens, policy: new AccessPolicy(tokens, topicPrefix, auth.jwtSecret) };
}

async function readPublicKey(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`DINO_JWT_PUBLIC_KEY_FILE: cannot read ${path}: ${(err as Error).message}`);
  }
}
