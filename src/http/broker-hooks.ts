import type { AccessPolicy } from '../auth/access.js';
import { Errors } from '../core/errors.js';
import { hasApiKey } from './api-key.js';
import { parseJson, readBody } from './body.js';
import { guarded } from './guard.js';
import { emqxAuthn, emqxAuthz } from './hooks/emqx.js';
import { goAuthAcl, goAuthSuperuser, goAuthUser } from './hooks/go-auth.js';
import { refuseEverything, type HookPolicy } from './hooks/policy.js';
import { vernemqHook } from './hooks/vernemq.js';
import { sendError, sendJson, type Reply } from './reply.js';
import type { Answer, RouteOptions } from './route.js';
import type { HttpRequest, TemplatedApp } from './uws.js';

type Hook = (policy: HookPolicy, body: unknown) => Promise<Answer>;

/**
 * The auth hooks of external brokers, each answering in its broker's own terms, all decided by the one access
 * policy (without a JWT secret or public key: no to everything). They are for the broker, not the world: with
 * DINO_API_KEY set, they need the key like every `/v1` call, as `Authorization: Bearer` or, for brokers that cannot
 * add a header (VerneMQ, mosquitto-go-auth), as an `api_key` query parameter in the URL configured in the broker.
 */
export function brokerHookRoutes(app: TemplatedApp, accessPolicy: AccessPolicy | undefined, options: RouteOptions): void {
  const policy: HookPolicy = accessPolicy ?? refuseEverything();
  const serve = (pattern: string, pick: (req: HttpRequest) => Hook) =>
    app.post(pattern, guarded(options.corsOrigins, (reply, req) => {
      const hook = pick(req); // now: the request is gone after this callback
      serveHook(reply, req, options, (body) => hook(policy, body));
    }));
  serve('/auth/emqx/authn', () => emqxAuthn);
  serve('/auth/emqx/authz', () => emqxAuthz);
  serve('/auth/vernemq', (req) => vernemqHook(req.getHeader('vernemq-hook')));
  serve('/auth/go-auth/user', () => goAuthUser);
  serve('/auth/go-auth/superuser', () => goAuthSuperuser);
  serve('/auth/go-auth/acl', () => goAuthAcl);
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
