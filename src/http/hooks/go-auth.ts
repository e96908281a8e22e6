import { z } from 'zod';
import { named } from '../openapi/named.js';
import type { Answer } from '../route.js';
import type { HookPolicy } from './policy.js';

/**
 * The HTTP backend of mosquitto-go-auth (JSON params). The verdict is the status, 2xx or not; the body also
 * carries it as `{ok, error}`, so `http_response_mode json` works as well as `status`.
 */
export const goAuthUserBody = named('GoAuthUserBody', z.object({ username: z.string(), password: z.string(), clientid: z.string() }));
export const goAuthSuperuserBody = named('GoAuthSuperuserBody', z.object({ username: z.string() }));

/** Mosquitto's access kinds. */
export const Access = { read: 1, write: 2, subscribe: 4, unsubscribe: 8 } as const;
export const goAuthAclBody = named('GoAuthAclBody', z.object({
  username: z.string(),
  clientid: z.string(),
  topic: z.string(),
  acc: z.literal(Object.values(Access)).describe('1 read, 2 write, 4 subscribe, 8 unsubscribe'),
}));

export const goAuthAllowed = named('GoAuthAllowed', z.strictObject({ ok: z.literal(true), error: z.literal('') }));
export const goAuthRefused = named('GoAuthRefused', z.strictObject({ ok: z.literal(false), error: z.string() }));

const verdict = (allowed: boolean): Answer =>
  allowed ? { status: 200, body: { ok: true, error: '' } } : { status: 403, body: { ok: false, error: 'not allowed' } };

export async function goAuthUser(policy: HookPolicy, body: unknown): Promise<Answer> {
  const input = goAuthUserBody.parse(body);
  return verdict((await policy.authenticate({ clientId: input.clientid, username: input.username, password: input.password })) !== null);
}

/** Nobody: a superuser skips every ACL check, Dino's publisher included. */
export async function goAuthSuperuser(_policy: HookPolicy, body: unknown): Promise<Answer> {
  goAuthSuperuserBody.parse(body);
  return verdict(false);
}

/**
 * Mosquitto asks "subscribe" with the filter a client subscribes to and "read" with the topic of each message it
 * delivers: both come down to the client's own topic. go-auth does not pass the retain flag, so a write is judged
 * as not retained (only Dino's publisher may write at all).
 */
export async function goAuthAcl(policy: HookPolicy, body: unknown): Promise<Answer> {
  const input = goAuthAclBody.parse(body);
  const identity = policy.identityOf(input.username, input.clientid);
  if (!identity) return verdict(false);
  return verdict(input.acc === Access.write
    ? policy.mayPublish(identity, input.topic, false)
    : policy.maySubscribe(identity, input.topic));
}
