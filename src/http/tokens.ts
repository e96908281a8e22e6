import type { Tokens } from '../auth/tokens.js';
import { Errors } from '../core/errors.js';
import { ok, route, type RouteOptions } from './route.js';
import { userIdParam } from './schemas.js';
import type { TemplatedApp } from './uws.js';

/**
 * `POST /v1/users/{user_id}/token`: an MQTT password (a JWT for the user, `DINO_JWT_TTL` long) for callers that do
 * not sign tokens themselves. Only with DINO_JWT_SECRET: a public key alone verifies tokens but cannot mint them.
 */
export function tokenRoutes(app: TemplatedApp, tokens: Tokens | undefined, options: RouteOptions): void {
  route(app, 'post', '/v1/users/:user_id/token', options, async ({ params }) => {
    const userId = userIdParam(params[0]!);
    if (!tokens?.canMint) throw Errors.mintingDisabled();
    const { token, expiresAt } = await tokens.mint(userId);
    return ok({ token, expires_at: expiresAt });
  });
}
