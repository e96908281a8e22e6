/**
 * CPU per QoS 1 publish of Dino's fan-out connections, beside raw mqtt.js publishing in the same run: the same
 * publishes (one payload to many user topics, a bounded window of PUBLISHes awaiting PUBACK) go to the same broker
 * through raw mqtt.js `publish`, through the mqtt.js adapter and through the wire connection
 * (src/workers/publish-connection.ts), interleaved run by run. Counts this process's CPU (process.cpuUsage), so it
 * holds on a shared machine where rates do not; the broker's CPU is its own.
 *
 *   npx tsx bench/publisher-cpu.ts [--url mqtt://127.0.0.1:1883] [--publishes 200000] [--window 5000] [--runs 5]
 */
import { parseArgs } from 'node:util';
import { connect } from 'mqtt';
import { MqttJsConnection, type ConnectionOptions, type PublishConnection } from '../src/workers/publish-connection.js';
import { WireConnection } from '../src/workers/wire-connection.js';
import { until } from '../test/support/wait.js';
import { figure } from './stats.js';

const { values } = parseArgs({ options: {
  url: { type: 'string', default: 'mqtt://127.0.0.1:1883' }, publishes: { type: 'string', default: '200000' },
  window: { type: 'string', default: '5000' }, runs: { type: 'string', default: '5' },
} });
const [publishes, window, runs] = [Number(values.publishes), Number(values.window), Number(values.runs)];
const url = values.url!;
const payload = Buffer.from(JSON.stringify({ event_type: 'message', group_id: '6c4a2f0e-0d5b-11ef-9b6f-0242ac120002', message_payload: 'bench message' }));
const topics = Array.from({ length: 1000 }, (_, i) => `bench/publisher-cpu/${1_000_000_000_000 + i}`);
const options = (name: string): ConnectionOptions => ({ clientId: `bench-${name}-${process.pid}`, keepaliveSeconds: 30, reconnectMs: 500, connectTimeoutMs: 5_000 });

/** Raw mqtt.js, as a PublishConnection so the loop is the same for all three. */
function rawMqttJs(): PublishConnection {
  const client = connect(url, { clientId: `bench-raw-${process.pid}`, clean: true, reconnectPeriod: 0 });
  return {
    get connected() { return client.connected; },
    publish: (topic, body, done) => void client.publish(topic, body, { qos: 1 }, (err) => done(err ?? undefined)),
    close: async () => void await client.endAsync(true),
  };
}

const kinds: Record<string, () => PublishConnection> = {
  'raw mqtt.js': rawMqttJs,
  'mqtt.js adapter': () => new MqttJsConnection(url, options('mqttjs')),
  'wire connection': () => new WireConnection(new URL(url), options('wire')),
};

/** Publishes `publishes` times keeping `window` in flight; CPU µs per publish and publishes per second. */
async function run(connection: PublishConnection): Promise<{ cpu: number; rate: number }> {
  await until('the connection', () => connection.connected);
  const started = performance.now();
  const cpu = process.cpuUsage();
  await new Promise<void>((resolve, reject) => {
    let [sent, acked] = [0, 0];
    const pump = () => {
      while (sent < publishes && sent - acked < window) {
        connection.publish(topics[sent % topics.length]!, payload, (err) => {
          if (err) return reject(err);
          if (++acked === publishes) resolve();
          else pump();
        });
        sent++;
      }
    };
    pump();
  });
  const used = process.cpuUsage(cpu);
  return { cpu: ((used.user + used.system) / publishes), rate: publishes / ((performance.now() - started) / 1000) };
}

const results = new Map<string, Array<{ cpu: number; rate: number }>>();
for (let i = 0; i <= runs; i++) {
  for (const [name, open] of Object.entries(kinds)) {
    const connection = open();
    const result = await run(connection);
    await connection.close();
    if (i === 0) continue; // warm-up
    results.set(name, [...(results.get(name) ?? []), result]);
    process.stderr.write(`run ${i}/${runs} ${name}: ${result.cpu.toFixed(2)} µs CPU/publish, ${Math.round(result.rate)} publishes/s\n`);
  }
}
const raw = figure(results.get('raw mqtt.js')!.map((r) => r.cpu)).median;
for (const [name, rows] of results) {
  const cpu = figure(rows.map((r) => r.cpu));
  const rate = figure(rows.map((r) => r.rate));
  process.stdout.write(`${name.padEnd(16)} ${cpu.median.toFixed(2)} µs CPU/publish (${cpu.min.toFixed(2)}–${cpu.max.toFixed(2)}), `
    + `${Math.round(rate.median)} publishes/s, CPU ${(cpu.median / raw).toFixed(2)}× raw mqtt.js\n`);
}
