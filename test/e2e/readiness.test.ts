import { describe, expect, it } from 'vitest';
import { api } from '../support/dino-process.js';
import { dinoForSuite } from '../support/dino-suite.js';
import { mosquittoUrl } from '../support/services.js';

const MOSQUITTO_URL = mosquittoUrl();

// With the embedded broker its own thread publishes; with DINO_MQTT_URL worker threads (Piscina) connect to it.
const publishers: Array<[string, Record<string, string> | undefined]> = [
  ['the embedded broker\'s thread', {}],
  ['worker threads publishing to an external broker', MOSQUITTO_URL === undefined ? undefined : { DINO_MQTT_URL: MOSQUITTO_URL, DINO_WORKERS: '2' }],
];

for (const [name, env] of publishers) {
  describe.skipIf(!env)(`readiness: ${name}`, () => {
    const suite = dinoForSuite(env);

    // Regression: idle worker threads once sat blocked in Atomics.wait, so their MQTT connections only came up
    // during the first broadcast, and went stale between broadcasts.
    it('has the fan-out\'s publishers up before any broadcast', async () => {
      let ready = await api(suite.dino.base, 'GET', '/readyz');
      for (let i = 0; i < 50 && ready.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ready = await api(suite.dino.base, 'GET', '/readyz');
      }
      expect(ready).toEqual({ status: 200, body: { status: 'ready', parts: { queue: 'ok', broker: 'ok', storage: 'ok' } } });
      expect((await api(suite.dino.base, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    });
  });
}
