/**
 * Sweeps the raw mqtt.js baseline's settings (connections × in-flight window) against a broker with 1 000
 * subscribers, to pick BEST_RAW_MQTT in baselines/raw-mqtt.ts. Mosquitto by default; it must be running.
 *
 *   npx tsx bench/tune-raw-mqtt.ts [--url mqtt://127.0.0.1:1883] [--users 1000] [--events 100]
 */
import { parseArgs } from 'node:util';
import { SubscriberFarm } from '../test/helpers/subscriber-farm.js';
import { RawMqttPublisher } from './baselines/raw-mqtt.js';
import { uniqueTopicPrefix, uniqueUserIds } from './support/ids.js';

const { values } = parseArgs({ options: {
  url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
  users: { type: 'string', default: '1000' },
  events: { type: 'string', default: '100' },
} });
const users = Number(values.users);
const events = Number(values.events);
const prefix = uniqueTopicPrefix();
const userIds = uniqueUserIds(users);
const farm = await SubscriberFarm.start({ url: values.url, userIds, topicPrefix: prefix, keyField: 'seq' });
try {
  await farm.ready();
  for (const connections of [1, 2, 4, 8]) {
    for (const window of [100, 1000, 10_000]) {
      const publisher = await RawMqttPublisher.connect(values.url, { connections, window });
      const result = await publisher.publish({ userIds, topicPrefix: prefix, events,
        payload: (seq) => Buffer.from(JSON.stringify({ event_type: 'notice', seq, sent_at: Date.now(), text: 'hello' })) });
      await farm.waitForDeliveries(users * events, 60_000).catch(() => undefined);
      const report = await farm.report(events);
      await farm.reset();
      await publisher.close();
      const seconds = ((report.lastArrival ?? result.allAckedAt) - result.startedAt) / 1000;
      console.log(`connections ${connections} window ${window}: ${Math.round(report.deliveries / seconds)} deliveries/s, ` +
        `all acked ${Math.round(result.allAckedAt - result.startedAt)} ms, p99 ${report.latency?.p99.toFixed(0)} ms, missing ${report.missing}`);
    }
  }
} finally {
  await farm.stop({ purgeSessions: true });
}
