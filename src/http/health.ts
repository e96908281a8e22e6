import { guarded } from './guard.js';
import { sendJson } from './reply.js';
import type { TemplatedApp } from './uws.js';

/** A named readiness probe: resolves when the part it checks is reachable. */
export type ReadinessCheck = [name: string, check: () => Promise<unknown>];

const CHECK_TIMEOUT_MS = 2000;

/** `/healthz`: the process is up. `/readyz`: every part it depends on answers (503 naming those that do not). */
export function healthRoutes(app: TemplatedApp, checks: ReadinessCheck[]): void {
  app.get('/healthz', guarded([], (reply) => sendJson(reply, 200, { status: 'ok' })));
  app.get('/readyz', guarded([], (reply) => {
    void Promise.all(checks.map(async ([name, check]) => [name, await probe(check)] as const)).then((results) => {
      const parts = Object.fromEntries(results);
      const ready = results.every(([, state]) => state === 'ok');
      sendJson(reply, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', parts });
    });
  }));
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
