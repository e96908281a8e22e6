import { guarded } from './guard.js';
import { send } from './reply.js';
import type { Header } from './cors.js';
import type { TemplatedApp } from './uws.js';

/** What a listed origin may send: the methods and headers the API uses. */
const PREFLIGHT: Header[] = [
  ['Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE'],
  ['Access-Control-Allow-Headers', 'Authorization, Content-Type, Idempotency-Key'],
  ['Access-Control-Max-Age', '600'],
];

/**
 * Answers browsers' preflight `OPTIONS` when origins are configured (a listed origin is told what it may send; any
 * other gets no permission); without configured origins OPTIONS is an unknown route like any other.
 */
export function preflightRoutes(app: TemplatedApp, allowed: readonly string[]): void {
  if (allowed.length === 0) return;
  app.options('/*', guarded(allowed, (reply, _req, headers) => {
    send(reply, 204, allowed.includes(headers.origin) ? PREFLIGHT : []);
  }));
}
