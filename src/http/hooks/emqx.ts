import { decodeJwt } from 'jose';
import { z } from 'zod';
import { Errors } from '../../core/errors.js';
import { named } from '../openapi/named.js';
import { ok, type Answer } from '../route.js';
import { optionalText, type HookPolicy } from './policy.js';

/**
 * EMQX 5 HTTP authentication and authorization. EMQX fills the body template from its placeholders, as strings
 * (`"retain": "${retain}"` arrives as `"true"`); it reads only a 200 (or 204) with `{"result": …}`: any other status
 * means "ignore", which the documented EMQX configuration turns into deny (`no_match = deny`).
 */
export const emqxAuthnBody = named('EmqxAuthnBody', z.object({ clientid: z.string(), username: optionalText, password: optionalText }));
const flag = z.union([z.boolean(), z.enum(['true', 'false'])]).transform((value) => value === true || value === 'true');
export const emqxAuthzBody = named('EmqxAuthzBody', z.object({
  clientid: z.string(),
  username: optionalText,
  topic: z.string(),
  action: z.enum(['publish', 'subscribe']),
  retain: flag.optional().describe('required for publish'),
}));

const verdict = z.enum(['allow', 'deny']);
export const emqxAuthnResponse = named('EmqxAuthnResult', z.strictObject({
  result: verdict,
  is_superuser: z.literal(false).optional(),
  expire_at: z.number().int().optional().describe("the token's exp: EMQX disconnects the client then"),
  acl: z.array(z.strictObject({
    permission: z.enum(['allow', 'deny']), action: z.enum(['publish', 'subscribe', 'all']), topic: z.string(),
  })).optional(),
}));
export const emqxAuthzResponse = named('EmqxAuthzResult', z.strictObject({ result: verdict }));

const DENY = ok({ result: 'deny' });

/**
 * Allows a client the policy authenticates, never as superuser (that would skip every topic check). An app gets
 * its token's expiry (EMQX disconnects it then, 5.8+) and its rules with it: subscribe to its own topic, nothing
 * else; Dino's publisher gets no rules, so each publish goes to the authorization hook.
 */
export async function emqxAuthn(policy: HookPolicy, body: unknown): Promise<Answer> {
  const input = emqxAuthnBody.parse(body);
  const identity = await policy.authenticate({ clientId: input.clientid, username: input.username, password: input.password });
  if (!identity) return DENY;
  if (identity.kind === 'publisher') return ok({ result: 'allow', is_superuser: false });
  return ok({
    result: 'allow',
    is_superuser: false,
    expire_at: decodeJwt(input.password!).exp,
    acl: [
      { permission: 'allow', action: 'subscribe', topic: `eq ${policy.topicOf(identity.userId)}` },
      { permission: 'deny', action: 'all', topic: '#' },
    ],
  });
}

/** One publish or subscribe of a connected client. */
export async function emqxAuthz(policy: HookPolicy, body: unknown): Promise<Answer> {
  const input = emqxAuthzBody.parse(body);
  if (input.action === 'publish' && input.retain === undefined) {
    throw Errors.invalidParameters('retain', 'required for publish (add "retain": "${retain}" to the body template)');
  }
  const identity = policy.identityOf(input.username, input.clientid);
  const allowed = identity !== null && (input.action === 'subscribe'
    ? policy.maySubscribe(identity, input.topic)
    : policy.mayPublish(identity, input.topic, input.retain!));
  return allowed ? ok({ result: 'allow' }) : DENY;
}
