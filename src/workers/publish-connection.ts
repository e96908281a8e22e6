import type { SecureContext } from 'node:tls';
import { createRequire } from 'node:module';
import type { MqttClient } from 'mqtt';
import { brokerTrust, isCertificateError } from './broker-trust.js';
import { WireConnection } from './wire-connection.js';

/** How a publisher connection logs in and behaves. */
export interface ConnectionOptions {
  clientId: string;
  username?: string;
  password?: string;
  keepaliveSeconds: number;
  reconnectMs: number;
  connectTimeoutMs: number;
  /** Certificates (PEM) trusted for an `mqtts:`/`wss:` broker besides Node's bundled CAs (DINO_MQTT_CA_FILE). */
  ca?: string;
  /** Called with the CONNACK code when the broker refuses the connection. */
  onRefused?: (code: number) => void;
  /** Called with the error's code when the broker's TLS certificate cannot be verified. */
  onUntrusted?: (code: string) => void;
}

/**
 * One connection of Dino's fan-out to an MQTT broker, publishing at QoS 1. `done` is called once per publish: when
 * the broker acknowledged it, or with an error if it never will be on this connection (closed). Publishes made while
 * the connection is down wait for it. Publishes to one connection reach the broker in call order.
 */
export interface PublishConnection {
  readonly connected: boolean;
  publish(topic: string, payload: Buffer, done: (err?: Error) => void): void;
  close(): Promise<void>;
}

/**
 * mqtt.js, loaded by the first connection that needs it (WebSocket URLs): a worker thread publishing over TCP or TLS
 * does without its ~10 MB.
 */
let mqttJs: typeof import('mqtt') | undefined;
const loadMqttJs = () => (mqttJs ??= createRequire(import.meta.url)('mqtt') as typeof import('mqtt'));

/** Schemes the publish-only wire connection speaks; WebSocket URLs go through mqtt.js. */
const WIRE_SCHEMES = new Set(['mqtt:', 'tcp:', 'mqtts:']);

/** The connection for a broker URL: the lean wire one over TCP or TLS, mqtt.js over WebSocket. */
export function openPublishConnection(brokerUrl: string, options: ConnectionOptions): PublishConnection {
  const url = new URL(brokerUrl);
  return WIRE_SCHEMES.has(url.protocol) ? new WireConnection(url, options) : new MqttJsConnection(brokerUrl, options);
}

/** Connections a PUBLISH may wait through unacknowledged before it fails (see MqttJsConnection, WireConnection). */
export const MAX_WRITES = 3;

interface Pending {
  done: (err?: Error) => void;
  /** Connections lost since it was published. */
  drops: number;
}

/**
 * A publisher connection through mqtt.js: any URL mqtt.js takes (WebSocket included). mqtt.js sends unacknowledged
 * PUBLISHes again on every reconnect, for good; one the broker drops the connection over (too large for it) would
 * block the connection forever, so once MAX_WRITES connections were lost with publishes still unacknowledged, the
 * client is replaced and they fail (the coordinator publishes them again). mqtt.js cannot tell that drop from a failed
 * attempt to reach a broker that is down, so there its publishes fail after MAX_WRITES attempts (a second or so at
 * Dino's 500 ms reconnect period) rather than at the coordinator's deadline; the coordinator's rounds and then the
 * queue's redelivery take over, as for any failed publish.
 */
export class MqttJsConnection implements PublishConnection {
  private client!: MqttClient;
  private readonly pending = new Set<Pending>();
  private closing = false;

  private readonly trust: SecureContext | undefined;

  constructor(private readonly brokerUrl: string, private readonly options: ConnectionOptions) {
    this.trust = brokerTrust(options.ca);
    this.open();
  }

  get connected(): boolean {
    return this.client.connected;
  }

  publish(topic: string, payload: Buffer, done: (err?: Error) => void): void {
    if (this.closing) return void process.nextTick(done, new Error('connection closed'));
    const entry: Pending = { done, drops: 0 };
    this.pending.add(entry);
    this.client.publish(topic, payload, { qos: 1 }, (err) => {
      if (!this.pending.delete(entry)) return; // failed already, with the client it was published on
      done(err ?? undefined);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    // Forced: mqtt.js's gentle end waits for every PUBACK, which never comes while the broker is away.
    await this.client.endAsync(true).catch(() => undefined);
    this.failPending('connection closed');
  }

  private open(): void {
    const { clientId, username, password, keepaliveSeconds, reconnectMs, connectTimeoutMs, onRefused, onUntrusted } = this.options;
    const client = loadMqttJs().connect(this.brokerUrl, {
      clientId, clean: true, keepalive: keepaliveSeconds, reconnectPeriod: reconnectMs, connectTimeout: connectTimeoutMs,
      // Absent, not undefined: mqtt.js then takes a login from the URL.
      ...(username !== undefined ? { username, password } : {}),
      // One secure context, made once: for TLS (mqtts:) and, through `wsOptions`, for a WebSocket's TLS (wss:).
      // (ws passes its options on to tls.connect, secureContext included, though its types do not list it.)
      ...(this.trust !== undefined ? { secureContext: this.trust, wsOptions: { secureContext: this.trust } as object } : {}),
    });
    this.client = client;
    // Errors surface as failed publishes and the client reconnects by itself; a refused login is reported.
    client.on('error', (err: Error & { code?: number }) => {
      if (typeof err.code === 'number') onRefused?.(err.code);
      else if (isCertificateError(err)) onUntrusted?.(err.code);
    });
    // Counted on 'close', not 'connect': over WebSocket a PUBLISH queued before CONNECT goes out with it, and a
    // broker that drops the connection over it never lets the client connect at all.
    client.on('close', () => {
      let stuck = false;
      for (const entry of this.pending) if (++entry.drops >= MAX_WRITES) stuck = true;
      if (!stuck || this.closing) return;
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end(true);
      this.open(); // first: a failed publish's callback may publish again at once, on the new client
      this.failPending(`not acknowledged after ${MAX_WRITES} connections`);
    });
  }

  private failPending(reason: string): void {
    const entries = [...this.pending];
    this.pending.clear();
    for (const entry of entries) entry.done(new Error(reason));
  }
}
