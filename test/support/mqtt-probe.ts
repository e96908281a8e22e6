import { connect as connectTcp, type Socket } from 'node:net';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { remainingLength } from '../../src/workers/mqtt-frames.js';

export { remainingLength };

/**
 * MQTT clients for probing a broker as an attacker would: `App` is a real mqtt.js client that records what it gets
 * and whether the broker cut it off; `RawMqtt` writes hand-made bytes (oversized, malformed, thousands of filters).
 */

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

export class App {
  readonly received: Received[] = [];
  /** Resolves when the connection is gone (closed by the broker, or by us). */
  readonly closed: Promise<void>;

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => this.received.push({ topic, payload: payload.toString(), retain: packet.retain }));
    this.closed = new Promise((resolve) => client.once('close', () => resolve()));
  }

  /** Resolves once the broker accepted the CONNECT; rejects with the CONNACK code (`err.code`) when it refused. */
  static connect(url: string, options: IClientOptions): Promise<App> {
    const client = connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    const app = new App(client);
    return new Promise((resolve, reject) => {
      client.once('connect', () => resolve(app));
      client.once('error', (err) => {
        client.end(true);
        reject(err);
      });
      void app.closed.then(() => reject(new Error('closed before CONNACK')));
    });
  }

  /** The QoS the broker granted each filter (128 = refused). */
  async subscribe(filters: string[], qos: 0 | 1 | 2 = 1): Promise<number[]> {
    try {
      return (await this.client.subscribeAsync(filters, { qos })).map((g) => g.qos);
    } catch (err) {
      // mqtt.js turns a SUBACK with a refusal into an error that carries the SUBACK.
      const granted = (err as { packet?: { granted?: number[] } }).packet?.granted;
      if (!granted) throw err;
      return granted;
    }
  }

  /** Whether the broker closes the connection within `ms`. */
  async closesWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const result = await Promise.race([this.closed.then(() => true as const), timeout]);
    clearTimeout(timer);
    return result;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true).catch(() => undefined);
  }
}

/** The MQTT CONNACK code carried by an mqtt.js connect error. */
export const refusalCode = (err: unknown): number | undefined => (err as { code?: number }).code;

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const text = (s: string) => Buffer.concat([u16(Buffer.byteLength(s)), Buffer.from(s)]);

const packet = (first: number, body: Buffer) => Buffer.concat([Buffer.from([first]), remainingLength(body.length), body]);

/** MQTT 3.1.1 CONNECT. */
export function connectPacket(clientId: string, login: { username?: string; password?: string } = {}, clean = true, keepalive = 60): Buffer {
  const flags = (clean ? 0x02 : 0) | (login.username !== undefined ? 0x80 : 0) | (login.password !== undefined ? 0x40 : 0);
  const parts = [text('MQTT'), Buffer.from([4, flags]), u16(keepalive), text(clientId)];
  if (login.username !== undefined) parts.push(text(login.username));
  if (login.password !== undefined) parts.push(text(login.password));
  return packet(0x10, Buffer.concat(parts));
}

export function subscribePacket(packetId: number, filters: string[], qos = 1): Buffer {
  return packet(0x82, Buffer.concat([u16(packetId), ...filters.flatMap((f) => [text(f), Buffer.from([qos])])]));
}

export function publishPacket(topic: string, payload: Buffer, qos: 0 | 1 = 0, packetId = 1): Buffer {
  return packet(0x30 | (qos << 1), Buffer.concat([text(topic), ...(qos > 0 ? [u16(packetId)] : []), payload]));
}

/** A TCP connection to the broker that writes whatever it is given and keeps what comes back. */
export class RawMqtt {
  private readonly chunks: Buffer[] = [];
  /** Bytes received so far. */
  received = 0;
  private readonly waiters = new Set<() => void>();
  readonly closed: Promise<void>;
  isClosed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.chunks.push(chunk);
      this.received += chunk.length;
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.isClosed = true;
      this.wake();
      resolve();
    }));
  }

  /** `localAddress` picks the source address, e.g. 127.0.0.2 to look like another host. */
  static open(port: number, localAddress?: string): Promise<RawMqtt> {
    const socket = connectTcp({ port, host: '127.0.0.1', localAddress });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(new RawMqtt(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: Buffer): boolean {
    return this.socket.write(bytes);
  }

  /** The packets received so far: type (the high nibble of the first byte) and body. */
  packets(): Array<{ type: number; body: Buffer }> {
    const bytes = Buffer.concat(this.chunks);
    const found = [];
    for (let at = 0; at < bytes.length;) {
      let length = 0;
      let i = at + 1;
      for (let shift = 0; i < bytes.length; shift += 7) {
        const byte = bytes[i++]!;
        length += (byte & 0x7f) * 2 ** shift;
        if (!(byte & 0x80)) break;
      }
      if (i + length > bytes.length) break;
      found.push({ type: bytes[at]! >> 4, body: bytes.subarray(i, i + length) });
      at = i + length;
    }
    return found;
  }

  /** The CONNACK return code, or null when the connection closed (or `ms` passed) without one. */
  async connack(ms = 5000): Promise<number | null> {
    await this.until(() => this.received >= 4 || this.isClosed, ms);
    const start = Buffer.concat(this.chunks).subarray(0, 4);
    return start.length === 4 && start[0] === 0x20 ? start[3]! : null;
  }

  /** Resolves once `ready()` holds, or after `ms`. */
  async until(ready: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ready() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }
}
