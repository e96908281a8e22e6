/**
 * The fan-out ceiling: mqtt.js publishing the same events at QoS 1 straight to the same broker, with no HTTP,
 * storage, queue or worker threads in between. Each connection owns a fixed share of the users and publishes their
 * events in order, so every user still receives a group's messages in order, as Dino promises; only the in-flight
 * window (PUBLISHes awaiting PUBACK) bounds each connection, never above 65 535 since packet ids are 16-bit.
 */
import { connect, type MqttClient } from 'mqtt';

export interface RawMqttSettings {
  connections: number;
  /** PUBLISHes awaiting PUBACK per connection. */
  window: number;
}

/**
 * The best of `npx tsx bench/tune-raw-mqtt.ts` on this 2-core box (Mosquitto, 1 000 subscribers × 100 events,
 * medians of 3): 1/2/4/8 connections × windows of 1 000 and 10 000 gave 32k, 37k / 34k, 45k / 38k, 46k / 42k, 45k
 * deliveries/s. More in flight helps until ~40 000 in total; past 4 connections nothing more is gained. One process:
 * the broker and the subscribers need the other core.
 */
export const BEST_RAW_MQTT: RawMqttSettings = { connections: 4, window: 10_000 };

export interface RawRound {
  userIds: number[];
  topicPrefix: string;
  events: number;
  /** Builds event `index`'s payload; called once, when the first of its publishes starts. */
  payload(index: number): Buffer;
}

export interface RawRoundResult {
  startedAt: number;
  /** When the last PUBACK came. */
  allAckedAt: number;
  published: number;
  failed: number;
}

const now = () => performance.timeOrigin + performance.now();

export class RawMqttPublisher {
  private constructor(private readonly clients: MqttClient[], private readonly settings: RawMqttSettings) {}

  static async connect(url: string, settings: RawMqttSettings = BEST_RAW_MQTT): Promise<RawMqttPublisher> {
    if (settings.window < 1 || settings.window > 65_535) throw new Error(`window must be 1..65535, got ${settings.window}`);
    const tag = `bench-raw-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const clients = await Promise.all(Array.from({ length: settings.connections }, (_, i) => new Promise<MqttClient>((resolve, reject) => {
      const client = connect(url, { clientId: `${tag}-${i}`, clean: true, reconnectPeriod: 0, connectTimeout: 10_000 });
      client.once('connect', () => resolve(client));
      client.once('error', reject);
    })));
    return new RawMqttPublisher(clients, settings);
  }

  /** Publishes every event to every user's topic and resolves once all were acknowledged (or failed). */
  async publish(round: RawRound): Promise<RawRoundResult> {
    const payloads: Buffer[] = [];
    const payloadOf = (event: number) => (payloads[event] ??= round.payload(event));
    const n = this.clients.length;
    const lanes = this.clients.map((_, lane) => round.userIds.filter((_, i) => i % n === lane).map((id) => round.topicPrefix + id));
    const startedAt = now();
    const counts = await Promise.all(lanes.map((topics, lane) => this.runLane(this.clients[lane]!, topics, round.events, payloadOf)));
    return {
      startedAt, allAckedAt: now(),
      published: counts.reduce((sum, c) => sum + c.acked, 0), failed: counts.reduce((sum, c) => sum + c.failed, 0),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.endAsync(true).catch(() => undefined)));
  }

  /** Publishes event after event to this lane's topics, keeping at most `window` unacknowledged. */
  private runLane(client: MqttClient, topics: string[], events: number, payloadOf: (event: number) => Buffer) {
    const total = topics.length * events;
    return new Promise<{ acked: number; failed: number }>((resolve) => {
      if (total === 0) return resolve({ acked: 0, failed: 0 });
      let next = 0;
      let inflight = 0;
      let acked = 0;
      let failed = 0;
      const pump = () => {
        while (inflight < this.settings.window && next < total) {
          const index = next++;
          inflight++;
          client.publish(topics[index % topics.length]!, payloadOf(Math.floor(index / topics.length)), { qos: 1 }, (err) => {
            inflight--;
            if (err) failed++;
            else acked++;
            if (acked + failed === total) resolve({ acked, failed });
            else pump();
          });
        }
      };
      pump();
    });
  }
}
