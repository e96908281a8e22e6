/**
 * How long `GET /healthz` of `dino start` waits while 2 000 MQTT clients connect to its embedded broker and subscribe
 * at once (persistent sessions, as the client recipe), beside the same probing on the idle process just before. The
 * broker runs in a thread of its own; the probes measure what that leaves of the API's event loop. The clients come
 * from a subscriber farm of child processes, so the bench process itself stays light.
 *
 *   npm run build && node --import tsx bench/healthz-under-connect-storm.ts [--clients 2000] [--runs 3]
 */
import { parseArgs } from 'node:util';
import { SubscriberFarm } from '../test/support/subscriber-farm.js';
import { launchDino } from './support/dino.js';
import { closeProbes, probe, probeFor, summary } from './support/healthz-probe.js';
import { uniqueUserIds } from './support/ids.js';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '2000' }, runs: { type: 'string', default: '3' } } });
const clients = Number(values.clients);

for (let run = 1; run <= Number(values.runs); run++) {
  const dino = await launchDino('start', {});
  let farm: SubscriberFarm | undefined;
  try {
    await probeFor(dino.httpPort, 1000); // warm up
    const idle = await probeFor(dino.httpPort, 3000);
    const started = performance.now();
    farm = await SubscriberFarm.start({ url: `mqtt://127.0.0.1:${dino.mqttPort}`, userIds: uniqueUserIds(clients), connectBatch: clients });
    let subscribed = false;
    const ready = farm.ready().then(() => (subscribed = true));
    const during = await probe(dino.httpPort, () => subscribed);
    await ready;
    console.log(`run ${run}: ${clients} clients connected and subscribed in ${(performance.now() - started).toFixed(0)} ms`);
    console.log(`  /healthz idle:           ${summary(idle)}`);
    console.log(`  /healthz during storm:   ${summary(during)}`);
  } finally {
    await farm?.stop({ purgeSessions: false }).catch(() => undefined);
    await dino.close();
  }
}
closeProbes();
process.exit(0);
