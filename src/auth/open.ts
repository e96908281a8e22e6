import type { AuthConfig } from '../config.js';
import { readSettingFile } from '../setting-file.js';
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
  const publicKeyPem = auth.jwtPublicKeyFile === undefined ? undefined : await readSettingFile('DINO_JWT_PUBLIC_KEY_FILE', auth.jwtPublicKeyFile);
  const tokens = await Tokens.create({ secret: auth.jwtSecret, publicKeyPem, ttlSeconds: auth.jwtTtlSeconds });
  return { tokens, policy: new AccessPolicy(tokens, topicPrefix, auth.jwtSecret) };
}
