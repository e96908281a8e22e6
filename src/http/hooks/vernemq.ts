import { z } from 'zod';
import { Errors } from '../../core/errors.js';
import { named } from '../openapi/named.js';
import { ok, type Answer } from '../route.js';
import { optionalText, type HookPolicy } from './policy.js';

/**
 * VerneMQ webhooks (vmq_webhooks). Every hook is POSTed to the configured endpoint with its name in the
 * `vernemq-hook` header, and must be answered with HTTP 200: the verdict is in the body.
 */
const registerBody = named('VernemqRegisterBody', z.object({ client_id: z.string(), username: optionalText, password: optionalText }));
// Loose: an MQTT 5 subscription carries its options (no_local, …) beside topic and qos, and they are sent back as they came.
const subscription = z.looseObject({ topic: z.string(), qos: z.number().int().min(0).max(2) });
const subscribeBody = named('VernemqSubscribeBody', z.object({ client_id: z.string(), username: optionalText, topics: z.array(subscription).min(1) }));
const publishBody = named('VernemqPublishBody', z.object({ client_id: z.string(), username: optionalText, topic: z.string(), retain: z.boolean() }));
/** For the document: which of them a request carries is named by its `vernemq-hook` header. */
export const vernemqBody = named('VernemqBody', z.union([registerBody, subscribeBody, publishBody]));
export const vernemqResponse = named('VernemqResult', z.strictObject({
  result: z.union([z.literal('ok'), z.strictObject({ error: z.literal('not_allowed') })]),
  topics: z.array(z.looseObject({ topic: z.string(), qos: z.number().int() })).optional()
    .describe('auth_on_subscribe: the list as it came, the refused topics at QoS 128 (MQTT 5: 135)'),
}));

const OK = ok({ result: 'ok' });
const NOT_ALLOWED = ok({ result: { error: 'not_allowed' } });
/** The granted QoS that refuses one topic of a SUBSCRIBE: 0x80 in MQTT 3.1.1, 0x87 "Not authorized" in MQTT 5. */
const REFUSED = { mqtt3: 128, mqtt5: 135 } as const;

type Hook = (policy: HookPolicy, body: unknown) => Promise<Answer>;

async function authOnRegister(policy: HookPolicy, body: unknown): Promise<Answer> {
  const input = registerBody.parse(body);
  const identity = await policy.authenticate({ clientId: input.client_id, username: input.username, password: input.password });
  return identity ? OK : NOT_ALLOWED;
}

/**
 * Topics the client may not have come back with the refusing QoS in a rewritten list, so the SUBACK refuses
 * exactly those (even all of them) and the client stays connected.
 */
const authOnSubscribe = (refused: number): Hook => async (policy, body) => {
  const input = subscribeBody.parse(body);
  const identity = policy.identityOf(input.username, input.client_id);
  const topics = input.topics.map((entry) =>
    identity && policy.maySubscribe(identity, entry.topic) ? entry : { ...entry, qos: refused });
  return topics.every((entry, i) => entry === input.topics[i]) ? OK : ok({ result: 'ok', topics });
};

async function authOnPublish(policy: HookPolicy, body: unknown): Promise<Answer> {
  const input = publishBody.parse(body);
  const identity = policy.identityOf(input.username, input.client_id);
  return identity && policy.mayPublish(identity, input.topic, input.retain) ? OK : NOT_ALLOWED;
}

const hooks: Record<string, Hook> = {
  auth_on_register: authOnRegister,
  auth_on_register_m5: authOnRegister,
  auth_on_subscribe: authOnSubscribe(REFUSED.mqtt3),
  auth_on_subscribe_m5: authOnSubscribe(REFUSED.mqtt5),
  auth_on_publish: authOnPublish,
  auth_on_publish_m5: authOnPublish,
};

export const vernemqHookNames = Object.keys(hooks);

/** The hook the `vernemq-hook` header names; any other name is a 400 (VerneMQ logs it, and the client is refused). */
export function vernemqHook(name: string): Hook {
  const hook = Object.hasOwn(hooks, name) ? hooks[name] : undefined;
  if (hook) return hook;
  return async () => {
    throw Errors.invalidParameters('vernemq-hook', `expected one of ${vernemqHookNames.join(', ')}`);
  };
}
