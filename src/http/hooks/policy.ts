import { z } from 'zod';
import type { AccessPolicy } from '../../auth/access.js';
import { logger } from '../../log.js';

/** What the hooks ask of the access policy. */
export type HookPolicy = Pick<AccessPolicy, 'authenticate' | 'identityOf' | 'maySubscribe' | 'mayPublish' | 'topicOf'>;

const WARN_EVERY_MS = 60_000;

/**
 * Without a JWT secret or public key there is nothing to check a client against: every hook answers no (secure by
 * default), and the log says why, once a minute while brokers keep asking.
 */
export function refuseEverything(): HookPolicy {
  let warnedAt = -Infinity;
  const refuse = () => {
    if (Date.now() - warnedAt >= WARN_EVERY_MS) {
      warnedAt = Date.now();
      logger.warn('broker auth hook refused a client: set DINO_JWT_SECRET (or DINO_JWT_PUBLIC_KEY_FILE) so Dino can check MQTT clients');
    }
    return null;
  };
  return {
    authenticate: async () => refuse(),
    identityOf: refuse,
    maySubscribe: () => false,
    mayPublish: () => false,
    topicOf: (userId) => String(userId),
  };
}

/** A text field a broker may leave out or send as null (no user name, no password). */
export const optionalText = z.string().nullish().transform((value) => value ?? undefined);

