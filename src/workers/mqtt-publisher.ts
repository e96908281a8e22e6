import { connect, type MqttClient } from 'mqtt';

export interface PublisherOptions {
  brokerUrl: string;
  clientIdPrefix: string;
  connections: number;
  /** PUBLISHes awaiting PUBACK per connection: MQTT packet ids are 16-bit, so an unbounded window stalls for good. */
  inflightWindow: number;
  /** A publish not acknowledged within this time counts as failed (the coordinator retries it). */
  ackTimeoutMs: number;
}

/**
 * A small pool of MQTT connections that publishes one payload to many topics at QoS 1 and reports which recipients
 * were not acknowledged by the broker.
 */
export class MqttPublisher {
  private readonly clients: MqttClient[];

  constructor(private readonly options: PublisherOptions) {
    this.clients = Array.from({ length: options.connections }, (_, i) =>
      connect(options.brokerUrl, {
        clientId: `${options.clientIdPrefix}-${i}`,
        clean: true,
        reconnectPeriod: 500,
        connectTimeout: 5_000,
        keepalive: 30,
      }),
    );
    // Errors surface as failed publishes; the client reconnects by itself.
    for (const client of this.clients) client.on('error', () => {});
  }

  get connected(): boolean {
    return this.clients.every((c) => c.connected);
  }

  /** Publishes `payload` to `topicPrefix + id` for every id; resolves with the ids whose PUBACK never came. */
  async publish(payload: Buffer, topicPrefix: string, lanes: number[][]): Promise<number[]> {
    const results = await Promise.all(lanes.map((ids, i) => this.publishLane(this.clients[i % this.clients.length]!, payload, topicPrefix, ids)));
    return results.flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.endAsync(false).catch(() => undefined)));
  }

  private publishLane(client: MqttClient, payload: Buffer, topicPrefix: string, ids: number[]): Promise<number[]> {
    if (ids.length === 0) return Promise.resolve([]);
    const acked = new Uint8Array(ids.length);
    const window = this.options.inflightWindow;
    return new Promise((resolve) => {
      let next = 0;
      let inflight = 0;
      let settled = 0;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(deadline);
        resolve(ids.filter((_, i) => acked[i] === 0));
      };
      const deadline = setTimeout(finish, this.options.ackTimeoutMs);
      const pump = () => {
        while (!finished && inflight < window && next < ids.length) {
          const index = next++;
          inflight++;
          client.publish(topicPrefix + ids[index], payload, { qos: 1 }, (err) => {
            inflight--;
            settled++;
            if (!err) acked[index] = 1;
            if (settled === ids.length) finish();
            else pump();
          });
        }
      };
      pump();
    });
  }
}
