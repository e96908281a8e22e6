import type { Tokens } from '../auth/tokens.js';
import { ErrorCode, Errors } from '../core/errors.js';
import { endpoint, serveEndpoint } from './endpoint.js';
import { tokenResponse } from './presenters.js';
import type { RouteOptions } from './route.js';
import type { TemplatedApp } from './uws.js';

export const tokenEndpoints = {
  mintToken: endpoint({
    method: 'post', pattern: '/v1/users/:user_id/token', tag: 'tokens', access: 'apiKey', summary: 'Mint an MQTT password for a user',
    description: 'A JWT for the user, DINO_JWT_TTL long, for backends that do not sign tokens themselves. Needs DINO_JWT_SECRET.',
    response: { status: 200, description: 'the token', schema: tokenResponse }, errors: [ErrorCode.MINTING_DISABLED],
  }),
};

/**
 * `POST /v1/users/{user_id}/token`: an MQTT password (a JWT for the user, `DINO_JWT_TTL` long) for callers that do
 * not sign tokens themselves. Only with DINO_JWT_SECRET: a public key alone verifies tokens but cannot mint them.
 */
export function tokenRoutes(app: TemplatedApp, tokens: Tokens | undefined, options: RouteOptions): void {
  serveEndpoint(app, options, tokenEndpoints.mintToken, async ({ params }) => {
    if (!tokens?.canMint) throw Errors.mintingDisabled();
    const { token, expiresAt } = await tokens.mint(params.user_id);
    return { token, expires_at: expiresAt };
  });
}
