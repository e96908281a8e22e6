import { connect } from 'mqtt';
import { WireConnection } from './wire-connection.js';

/** How a publisher connection logs in and behaves. */
export interface ConnectionOptions {
  clientId: string;
  username?: string;
  password?: string;
  keepaliveSeconds: number;
  reconnectMs: number;
  connectTimeoutMs: number;
  /** Called with the CONNACK code when the broker refuses the connection. */
  onRefused?: (code: number) => void;
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

/** Schemes the publish-only wire connection speaks; WebSocket URLs go through mqtt.js. */
const WIRE_SCHEMES = new Set(['mqtt:', 'tcp:', 'mqtts:']);

/** The connection for a broker URL: the lean wire one over TCP or TLS, mqtt.js over WebSocket. */
export function openPublishConnection(brokerUrl: string, options: ConnectionOptions): PublishConnection {
  const url = new URL(brokerUrl);
  return WIRE_SCHEMES.has(url.protocol) ? new WireConnection(url, options) : new MqttJsConnection(brokerUrl, options);
}

/** A publisher connection through mqtt.js: any URL mqtt.js takes (WebSocket included). */
export class MqttJsConnection implements PublishConnection {
  private readonly client;

  constructor(brokerUrl: string, options: ConnectionOptions) {
    const { clientId, username, password, keepaliveSeconds, reconnectMs, connectTimeoutMs, onRefused } = options;
    this.client = connect(brokerUrl, {
      clientId, username, password, clean: true, keepalive: keepaliveSeconds, reconnectPeriod: reconnectMs, connectTimeout: connectTimeoutMs,
    });
    // Errors surface as failed publishes and the client reconnects by itself; a refused login is reported.
    this.client.on('error', (err: Error & { code?: number }) => {
      if (err.code !== undefined && typeof err.code === 'number') onRefused?.(err.code);
    });
  }

  get connected(): boolean {
    return this.client.connected;
  }

  publish(topic: string, payload: Buffer, done: (err?: Error) => void): void {
    this.client.publish(topic, payload, { qos: 1 }, (err) => done(err ?? undefined));
  }

  async close(): Promise<void> {
    await this.client.endAsync(false).catch(() => undefined);
  }
}
