/**
 * Sweeps the raw mqtt.js baseline's settings (connections × in-flight window) against a broker with 1 000
 * subscribers, to pick BEST_RAW_MQTT in baselines/raw-mqtt.ts. Mosquitto by default; it must be running.
 *
 *   npx tsx bench/tune-raw-mqtt.ts [--url mqtt://127.0.0.1:1883] [--users 1000] [--events 100]
 *                                  [--connections 1,2,4,8] [--windows 100,1000,10000] [--repeat 2]
 *
 * Settings are tried round-robin, `repeat` times, and reported as medians: the box is shared and noisy.
 */
import { parseArgs } from 'node:util';
import { SubscriberFarm } from '../test/support/subscriber-farm.js';
import { RawMqttPublisher, type RawMqttSettings } from './baselines/raw-mqtt.js';
import { median } from './stats.js';
import { uniqueTopicPrefix, uniqueUserIds } from './support/ids.js';

const { values } = parseArgs({ options: {
  url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
  users: { type: 'string', default: '1000' },
  events: { type: 'string', default: '100' },
  connections: { type: 'string', default: '1,2,4,8' },
  windows: { type: 'string', default: '100,1000,10000' },
  repeat: { type: 'string', default: '2' },
} });
const users = Number(values.users);
const events = Number(values.events);
const prefix = uniqueTopicPrefix();
const userIds = uniqueUserIds(users);
const farm = await SubscriberFarm.start({ url: values.url, userIds, topicPrefix: prefix, keyField: 'seq' });
try {
  await farm.ready();
  const settings: RawMqttSettings[] = values.connections.split(',').flatMap((c) =>
    values.windows.split(',').map((w) => ({ connections: Number(c), window: Number(w) })));
  const rates = new Map<RawMqttSettings, number[]>(settings.map((s) => [s, []]));
  for (let round = 1; round <= Number(values.repeat); round++) {
    for (const setting of settings) {
      const publisher = await RawMqttPublisher.connect(values.url, setting);
      const result = await publisher.publish({ userIds, topicPrefix: prefix, events,
        payload: (seq) => Buffer.from(JSON.stringify({ event_type: 'notice', seq, sent_at: Date.now(), text: 'hello' })) });
      await farm.waitForDeliveries(users * events, 60_000).catch(() => undefined);
      const report = await farm.report(events);
      await farm.reset();
      await publisher.close();
      const rate = report.deliveries / (((report.lastArrival ?? result.allAckedAt) - result.startedAt) / 1000);
      rates.get(setting)!.push(rate);
      console.log(`round ${round}: ${setting.connections} connections × window ${setting.window}: ${Math.round(rate)} deliveries/s, ` +
        `all acked ${Math.round(result.allAckedAt - result.startedAt)} ms, p99 ${report.latency?.p99.toFixed(0)} ms, missing ${report.missing}`);
    }
  }
  console.log('\nmedian deliveries/s');
  for (const [setting, values] of rates) console.log(`${setting.connections} × ${setting.window}: ${Math.round(median(values))}`);
} finally {
  await farm.stop({ purgeSessions: true });
}
