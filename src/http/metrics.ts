import { z } from 'zod';
import { Errors, ErrorCode } from '../core/errors.js';
import { endpoint } from './endpoint.js';
import type { Exposition } from '../metrics/recorders.js';
import { bearerMatches } from './api-key.js';
import { guarded } from './guard.js';
import { send, sendError } from './reply.js';
import type { TemplatedApp } from './uws.js';

export const metricsEndpoints = {
  metrics: endpoint({
    method: 'get', pattern: '/metrics', tag: 'operations', access: 'open',
    summary: 'Prometheus text of this process; needs `Authorization: Bearer <DINO_METRICS_KEY>` when that is set',
    response: { status: 200, description: 'the Prometheus text exposition format', schema: z.string(), mediaType: 'text/plain' },
    errors: [ErrorCode.UNAUTHORIZED],
  }),
};

/**
 * `GET /metrics`: the Prometheus text of this process. Open unless DINO_METRICS_KEY is set; then only
 * `Authorization: Bearer <DINO_METRICS_KEY>` (the API keys are not asked for, nor accepted: a scraper holds its own).
 */
export function metricsRoutes(app: TemplatedApp, metrics: Exposition, keys: string[] | undefined): void {
  app.get('/metrics', guarded([], (reply, req) => {
    if (!bearerMatches(req.getHeader('authorization'), keys)) return sendError(reply, Errors.unauthorized('metrics key'));
    void metrics.text().then(
      (text) => send(reply, 200, [['Content-Type', metrics.contentType]], text),
      (err: unknown) => sendError(reply, err),
    );
  }));
}
