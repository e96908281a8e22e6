import { PUBLISHER_USERNAME, publisherPassword } from '../auth/tokens.js';
import { withoutLogin } from '../broker-url.js';
import { logger } from '../log.js';
import type { PublisherFigures } from '../metrics/recorders.js';
import type { WorkerSettings } from './publish-worker.js';
import { connectionOf } from './shards.js';
import { openPublishConnection, type PublishConnection } from './publish-connection.js';
import { Fifo } from '../fifo.js';

/** How Dino's publishers log in to a broker that checks them (an external one, or another process's embedded one). */
export interface PublisherLogin {
  username: string;
  password: string;
}

/** The publishers' login derived from DINO_JWT_SECRET; none without one. */
export function publisherLogin(secret: string | undefined): PublisherLogin | undefined {
  return secret === undefined ? undefined : { username: PUBLISHER_USERNAME, password: publisherPassword(secret) };
}

/** CONNACK codes of MQTT 3.1.1 and 5 for a refused login. */
const LOGIN_REFUSED = new Set([4, 5, 134, 135]);

/** One shard of a broadcast being published: which recipients the broker acknowledged. */
class Batch {
  readonly acked: Uint8Array;
  private settled = 0;
  finished = false;
  constructor(readonly userIds: Float64Array, readonly payload: Buffer, private readonly done: (unacked: number[]) => void) {
    this.acked = new Uint8Array(userIds.length);
  }

  settle(index: number, ok: boolean): void {
    if (ok) this.acked[index] = 1;
    if (++this.settled === this.userIds.length) this.finish();
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.done(Array.from(this.userIds).filter((_, i) => this.acked[i] === 0));
  }
}

interface Item {
  batch: Batch;
  index: number;
}

/** One MQTT connection with a first-in-first-out line of publishes and a bounded in-flight window. */
class Lane {
  private readonly line = new Fifo<Item>();
  /** PUBLISHes sent and awaiting their PUBACK. */
  inflight = 0;

  constructor(readonly connection: PublishConnection, private readonly window: number, private readonly topicPrefix: string) {}

  push(item: Item): void {
    this.line.push(item);
  }

  pump(): void {
    while (this.inflight < this.window && this.line.length > 0) {
      const item = this.line.shift()!;
      if (item.batch.finished) continue; // given up on (timed out): its recipients are being retried elsewhere
      this.inflight++;
      this.connection.publish(this.topicPrefix + item.batch.userIds[item.index], item.batch.payload, (err) => {
        this.inflight--;
        item.batch.settle(item.index, !err);
        this.pump();
      });
    }
  }
}

/** Opens the connections of a thread's broker URL, logged in, each logging its first refused login or certificate. */
export function brokerConnections({ brokerUrl, login, ca }: WorkerSettings, clientIdPrefix: string): (index: number) => PublishConnection {
  let [loginRefused, untrusted] = [false, false];
  return (index) => openPublishConnection(brokerUrl, {
    clientId: `${clientIdPrefix}-${index}`,
    ...login,
    ca,
    keepaliveSeconds: 30,
    reconnectMs: 500,
    connectTimeoutMs: 5_000,
    // Failed publishes are retried and the connection comes back by itself; a refused login is worth one line.
    onRefused: (code) => {
      if (loginRefused || !LOGIN_REFUSED.has(code)) return;
      loginRefused = true;
      logger.error({ username: login?.username ?? null, code },
        'the MQTT broker refused the fan-out publisher login: check DINO_JWT_SECRET and the broker\'s auth hooks');
    },
    onUntrusted: (code) => {
      if (untrusted) return;
      untrusted = true;
      logger.error({ broker: withoutLogin(brokerUrl), code },
        'cannot verify the MQTT broker\'s TLS certificate: check DINO_MQTT_CA_FILE and the host name in DINO_MQTT_URL');
    },
  });
}

/**
 * A thread's publishing lanes, each over one connection (DINO_MQTT_CONNECTIONS of them: to a broker by URL, or
 * in-thread ones in the embedded broker's thread). Each recipient always goes through the same lane, and each lane
 * publishes in the order publishes were handed to it, so one user's events keep their order.
 */
export class MqttPublisher {
  private readonly lanes: Lane[];

  /**
   * `mqtt.inflightWindow` bounds the PUBLISHes awaiting PUBACK per connection (MQTT packet ids are 16-bit, so an
   * unbounded window stalls for good); one not acknowledged within `mqtt.ackTimeoutMs` counts as failed and the
   * coordinator publishes it again. `workers` is the number of threads recipients are spread over (placement).
   */
  constructor(private readonly settings: Pick<WorkerSettings, 'mqtt' | 'workers'>, open: (index: number) => PublishConnection) {
    const { mqtt } = settings;
    this.lanes = Array.from({ length: mqtt.connections }, (_, i) => new Lane(open(i), mqtt.inflightWindow, mqtt.topicPrefix));
  }

  get connected(): boolean {
    return this.lanes.every((lane) => lane.connection.connected);
  }

  /** This thread's connections, up or not, and what they have in flight. */
  figures(): PublisherFigures {
    let connected = 0;
    let inflight = 0;
    for (const lane of this.lanes) {
      if (lane.connection.connected) connected++;
      inflight += lane.inflight;
    }
    return { connected, disconnected: this.lanes.length - connected, inflight };
  }

  /**
   * Hands every recipient's publish to its connection at once (synchronously, so call order is publish order);
   * resolves with the recipients whose PUBACK did not come in time.
   */
  publish(payload: Buffer, userIds: Float64Array): Promise<number[]> {
    if (userIds.length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      const deadline = setTimeout(() => batch.finish(), this.settings.mqtt.ackTimeoutMs);
      const batch = new Batch(userIds, payload, (unacked) => {
        clearTimeout(deadline);
        resolve(unacked);
      });
      const { workers, mqtt: { connections } } = this.settings;
      for (let i = 0; i < userIds.length; i++) this.lanes[connectionOf(userIds[i]!, workers, connections)]!.push({ batch, index: i });
      for (const lane of this.lanes) lane.pump();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.connection.close()));
  }
}
