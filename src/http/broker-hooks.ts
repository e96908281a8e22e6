import { z } from 'zod';
import type { AccessPolicy } from '../auth/access.js';
import { Errors } from '../core/errors.js';
import { hasApiKey } from './api-key.js';
import { parseJson, readBody } from './body.js';
import { endpoint, type Endpoint } from './endpoint.js';
import { guarded } from './guard.js';
import { emqxAuthn, emqxAuthnBody, emqxAuthnResponse, emqxAuthz, emqxAuthzBody, emqxAuthzResponse } from './hooks/emqx.js';
import {
  goAuthAcl, goAuthAclBody, goAuthAllowed, goAuthRefused, goAuthSuperuser, goAuthSuperuserBody, goAuthUser, goAuthUserBody,
} from './hooks/go-auth.js';
import { refuseEverything, type HookPolicy } from './hooks/policy.js';
import { vernemqBody, vernemqHook, vernemqHookNames, vernemqResponse } from './hooks/vernemq.js';
import { sendError, sendJson, type Reply } from './reply.js';
import type { Answer, RouteOptions } from './route.js';
import type { HttpRequest, TemplatedApp } from './uws.js';

type Hook = (policy: HookPolicy, body: unknown) => Promise<Answer>;

const tag = 'broker hooks';
const hook = { method: 'post', tag, access: 'hook', errors: [] } as const;
const goAuthVerdict = (allowed: string) => ({
  response: { status: 200, description: allowed, schema: goAuthAllowed },
  otherResponses: [{ status: 403, description: 'refused', schema: goAuthRefused }],
});

export const hookEndpoints = {
  emqxAuthn: endpoint({
    ...hook, pattern: '/auth/emqx/authn', summary: 'EMQX 5: authenticate a client', body: emqxAuthnBody,
    response: { status: 200, description: 'the verdict; an app gets its token\'s expiry and its rules', schema: emqxAuthnResponse },
  }),
  emqxAuthz: endpoint({
    ...hook, pattern: '/auth/emqx/authz', summary: 'EMQX 5: authorize a publish or subscribe', body: emqxAuthzBody,
    response: { status: 200, description: 'the verdict', schema: emqxAuthzResponse },
  }),
  vernemq: endpoint({
    ...hook, pattern: '/auth/vernemq', summary: 'VerneMQ webhooks (vmq_webhooks)', body: vernemqBody,
    headers: [{ name: 'vernemq-hook', description: 'the hook, which decides the body', schema: z.enum(vernemqHookNames), required: true }],
    response: { status: 200, description: 'the verdict, always with 200', schema: vernemqResponse },
  }),
  goAuthUser: endpoint({
    ...hook, pattern: '/auth/go-auth/user', summary: 'mosquitto-go-auth: authenticate a client', body: goAuthUserBody,
    ...goAuthVerdict('allowed'),
  }),
  goAuthSuperuser: endpoint({
    ...hook, pattern: '/auth/go-auth/superuser', summary: 'mosquitto-go-auth: is this a superuser? (never)',
    body: goAuthSuperuserBody, ...goAuthVerdict('never answered: nobody is a superuser'),
  }),
  goAuthAcl: endpoint({
    ...hook, pattern: '/auth/go-auth/acl', summary: 'mosquitto-go-auth: authorize a read, write or subscription',
    body: goAuthAclBody, ...goAuthVerdict('allowed'),
  }),
};

/**
 * The auth hooks of external brokers, each answering in its broker's own terms, all decided by the one access
 * policy (without a JWT secret or public key: no to everything). They are for the broker, not the world: with
 * DINO_API_KEY set, they need the key like every `/v1` call, as `Authorization: Bearer` or, for brokers that cannot
 * add a header (VerneMQ, mosquitto-go-auth), as an `api_key` query parameter in the URL configured in the broker.
 */
export function brokerHookRoutes(app: TemplatedApp, accessPolicy: AccessPolicy | undefined, options: RouteOptions): void {
  const policy: HookPolicy = accessPolicy ?? refuseEverything();
  const serve = (spec: Endpoint, pick: (req: HttpRequest) => Hook) =>
    app[spec.method](spec.pattern, guarded(options.corsOrigins, (reply, req) => {
      const chosen = pick(req); // now: the request is gone after this callback
      serveHook(reply, req, options, (body) => chosen(policy, body));
    }));
  const e = hookEndpoints;
  serve(e.emqxAuthn, () => emqxAuthn);
  serve(e.emqxAuthz, () => emqxAuthz);
  serve(e.vernemq, (req) => vernemqHook(req.getHeader('vernemq-hook')));
  serve(e.goAuthUser, () => goAuthUser);
  serve(e.goAuthSuperuser, () => goAuthSuperuser);
  serve(e.goAuthAcl, () => goAuthAcl);
}

/**
 * What `route()` does for `/v1`, for a hook: the key may also come in the URL, and the hook may be named in a
 * header. The body is bounded by DINO_BODY_LIMIT; a malformed one is a 400, never a 500.
 */
function serveHook(reply: Reply, req: HttpRequest, options: RouteOptions, answer: (body: unknown) => Promise<Answer>): void {
  const authorized = hasApiKey(req, options.apiKeys, 'api_key');
  const declaredLength = Number(req.getHeader('content-length') || 0);
  options.inFlight.count++;
  const answered = authorized
    ? readBody(reply, declaredLength, options.bodyLimit).then((raw) => answer(parseJson(raw)))
    : Promise.reject(Errors.unauthorized());
  void answered
    .then((result) => sendJson(reply, result.status, result.body))
    .catch((err: unknown) => sendError(reply, err))
    .finally(() => options.inFlight.count--);
}
