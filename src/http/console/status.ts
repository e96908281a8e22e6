import { z } from 'zod';
import type { HealthSource } from '../../metrics/recorders.js';
import { endpoint, serveEndpoint } from '../endpoint.js';
import { readiness, type ReadinessCheck } from '../health.js';
import { named } from '../openapi/named.js';
import type { RouteOptions } from '../route.js';
import type { TemplatedApp } from '../uws.js';
import { DeliveryHistory, SAMPLE_SECONDS } from './history.js';

const count = z.number().int().min(0);
const consoleStatus = named('ConsoleStatus', z.strictObject({
  ready: z.boolean().describe('every part answers, as /readyz'),
  parts: z.record(z.string(), z.string()).describe('each part (storage, queue, broker…): "ok", or "down" with the reason'),
  queue: z.strictObject({
    pending: count.nullable().describe('handed to a consumer, not yet acknowledged (null: the queue cannot be read)'),
    lag: count.nullable().describe('not yet handed to any consumer'),
  }),
  dead_letters: count.describe('broadcasts this process moved to the dead letters since it started'),
  deliveries: z.strictObject({
    acked: count.describe('recipients whose PUBLISH the broker acknowledged, since start (this process)'),
    unacked: count.describe('recipients not acknowledged after every round, since start'),
    interval_seconds: z.number().int().positive(),
    per_second: z.array(z.number().min(0)).describe('deliveries per second in each interval of the last ten minutes, oldest first'),
  }),
  publishers: z.strictObject({ connected: count, disconnected: count, inflight: count.nullable() }).nullable()
    .describe('the fan-out workers\' MQTT connections; null in a process that does not fan out (`dino server`)'),
}));

export const consoleStatusEndpoints = {
  consoleStatus: endpoint({
    method: 'get', pattern: '/v1/console/status', tag: 'console', access: 'apiKey',
    summary: 'What the web console\'s System panel shows: readiness, queue backlog, dead letters, deliveries per second',
    description: 'The figures of the process that answers, from the same families as /metrics. Served with the console only.',
    response: { status: 200, description: 'the figures', schema: consoleStatus }, errors: [],
  }),
};

/** `GET /v1/console/status`. Returns the sampler, which the server stops when it drains. */
export function consoleStatusRoutes(app: TemplatedApp, options: RouteOptions, checks: ReadinessCheck[], metrics: HealthSource): DeliveryHistory {
  const history = new DeliveryHistory(() => metrics.delivered());
  serveEndpoint(app, options, consoleStatusEndpoints.consoleStatus, async () => {
    const [{ ready, parts }, figures] = await Promise.all([readiness(checks), metrics.figures()]);
    return {
      ready, parts,
      queue: { pending: figures.pending, lag: figures.lag },
      dead_letters: figures.deadLetters,
      deliveries: { acked: figures.delivered, unacked: figures.undelivered, interval_seconds: SAMPLE_SECONDS, per_second: history.perSecond() },
      publishers: figures.publishers,
    };
  });
  return history;
}
