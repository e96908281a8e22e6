import { z } from 'zod';
import { endpoint } from './endpoint.js';
import { guarded } from './guard.js';
import { named } from './openapi/named.js';
import { sendJson } from './reply.js';
import type { TemplatedApp } from './uws.js';

/** A named readiness probe: resolves when the part it checks is reachable. */
export type ReadinessCheck = [name: string, check: () => Promise<unknown>];

const CHECK_TIMEOUT_MS = 2000;

const healthResponse = named('Health', z.strictObject({ status: z.literal('ok') }));
const readinessResponse = named('Readiness', z.strictObject({
  status: z.enum(['ready', 'not ready']),
  parts: z.record(z.string(), z.string()).describe('each part (storage, queue, broker…): "ok", or "down" with the reason'),
}));

const tag = 'health';
export const healthEndpoints = {
  healthz: endpoint({
    method: 'get', pattern: '/healthz', tag, access: 'open', summary: 'Liveness: the process is up',
    response: { status: 200, description: 'up', schema: healthResponse }, errors: [],
  }),
  readyz: endpoint({
    method: 'get', pattern: '/readyz', tag, access: 'open', summary: 'Readiness: every part Dino depends on answers',
    response: { status: 200, description: 'ready', schema: readinessResponse },
    otherResponses: [{ status: 503, description: 'not ready: the parts that do not answer are named', schema: readinessResponse }],
    errors: [],
  }),
};

/** `/healthz`: the process is up. `/readyz`: every part it depends on answers (503 naming those that do not). */
export function healthRoutes(app: TemplatedApp, checks: ReadinessCheck[]): void {
  app.get(healthEndpoints.healthz.pattern, guarded([], (reply) => sendJson(reply, 200, { status: 'ok' })));
  app.get(healthEndpoints.readyz.pattern, guarded([], (reply) => {
    void readiness(checks).then(({ ready, parts }) => sendJson(reply, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', parts }));
  }));
}

/** Every check at once: each part's state ("ok", or "down" with the reason), and whether all are ok. */
export async function readiness(checks: ReadinessCheck[]): Promise<{ ready: boolean; parts: Record<string, string> }> {
  const results = await Promise.all(checks.map(async ([name, check]) => [name, await probe(check)] as const));
  return { ready: results.every(([, state]) => state === 'ok'), parts: Object.fromEntries(results) };
}

async function probe(check: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS)));
    const result = await Promise.race([check(), timeout]);
    return result === false ? 'down' : 'ok';
  } catch (err) {
    return `down: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}
