import { Errors } from '../core/errors.js';
import type { Exposition } from '../metrics/recorders.js';
import { bearerMatches } from './api-key.js';
import { guarded } from './guard.js';
import { send, sendError } from './reply.js';
import type { TemplatedApp } from './uws.js';

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
