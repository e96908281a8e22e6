import { describe, expect, it } from 'vitest';
import { api } from '../support/dino-process.js';
import { dinoForSuite } from '../support/dino-suite.js';

describe('readiness', () => {
  const suite = dinoForSuite();

  // Regression: idle worker threads once sat blocked in Atomics.wait, so their MQTT connections only came up
  // during the first broadcast, and went stale between broadcasts.
  it('connects the fan-out workers to the broker before any broadcast', async () => {
    let ready = await api(suite.dino.base, 'GET', '/readyz');
    for (let i = 0; i < 50 && ready.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ready = await api(suite.dino.base, 'GET', '/readyz');
    }
    expect(ready).toEqual({ status: 200, body: { status: 'ready', parts: { queue: 'ok', broker: 'ok', storage: 'ok' } } });
    expect((await api(suite.dino.base, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
  });
});
