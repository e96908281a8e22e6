import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type SecureContext } from 'node:tls';
import { brokerTrust, isCertificateError } from './broker-trust.js';
import { MAX_WRITES, type ConnectionOptions, type PublishConnection } from './publish-connection.js';
import { connectFrame, frameAt, markDuplicate, publishHeader } from './mqtt-frames.js';

/** MQTT 3.1.1 packet types (upper nibble of the first byte) this connection sends or reads. */
const CONNACK = 0x20;
const PUBACK = 0x40;
const PINGREQ = Buffer.from([0xc0, 0x00]);
const DISCONNECT = Buffer.from([0xe0, 0x00]);
/** Above this many bytes a turn's frames are written one by one (corked) instead of copied into one buffer. */
const COPY_LIMIT = 64 * 1024;

interface Outgoing {
  id: number;
  /** Times written so far (again after each reconnect while unacknowledged). */
  writes: number;
  header: Buffer;
  payload: Buffer;
  done: (err?: Error) => void;
}

/**
 * A publish-only MQTT 3.1.1 connection over TCP or TLS (`mqtt:`, `tcp:`, `mqtts:`). It writes each QoS 1 PUBLISH
 * as a ready-made frame and sends a turn's frames in one socket write, and reads back CONNACK, PUBACK and PINGRESP
 * only: what Dino's fan-out needs, without a general client's per-packet objects and stream writes.
 *
 * PUBLISHes not acknowledged when the connection drops are sent again, in their order, once it is back (MQTT's
 * at-least-once; the coordinator's deadline decides how long that may take). It reconnects by itself.
 */
export class WireConnection implements PublishConnection {
  private socket: Socket | undefined;
  private ready = false;
  private closing = false;
  /** Sent (or to be sent again) and awaiting their PUBACK, by packet id, in send order. */
  private readonly unacked = new Map<number, Outgoing>();
  /** Frames of this turn not yet written. */
  private pending: Outgoing[] = [];
  private flushQueued = false;
  private nextId = 0;
  private received = Buffer.alloc(0);
  private lastHeard = 0;
  private readonly timers: { reconnect?: NodeJS.Timeout; keepalive?: NodeJS.Timeout; connect?: NodeJS.Timeout } = {};

  private readonly trust: SecureContext | undefined;

  constructor(private readonly url: URL, private readonly options: ConnectionOptions) {
    this.trust = brokerTrust(options.ca);
    this.open();
  }

  get connected(): boolean {
    return this.ready;
  }

  publish(topic: string, payload: Buffer, done: (err?: Error) => void): void {
    // Told on the next tick, not now: a caller that publishes again from `done` would recurse.
    if (this.closing) return void process.nextTick(done, new Error('connection closed'));
    const id = this.packetId();
    const outgoing: Outgoing = { id, writes: 0, header: publishHeader(topic, id, payload.length), payload, done };
    this.unacked.set(id, outgoing);
    if (!this.ready) return; // written when the connection is (back) up
    this.pending.push(outgoing);
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(() => this.flush());
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timers.reconnect);
    clearTimeout(this.timers.connect);
    clearInterval(this.timers.keepalive);
    const socket = this.socket;
    if (socket && !socket.destroyed) {
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      if (this.ready) socket.end(DISCONNECT);
      else socket.destroy();
      const timer = setTimeout(() => socket.destroy(), 1_000);
      await closed;
      clearTimeout(timer);
    }
    for (const outgoing of this.unacked.values()) outgoing.done(new Error('connection closed'));
    this.unacked.clear();
  }

  /** A packet id not awaiting a PUBACK (the publisher's window keeps far fewer than 65 535 in flight). */
  private packetId(): number {
    do this.nextId = this.nextId === 0xffff ? 1 : this.nextId + 1;
    while (this.unacked.has(this.nextId));
    return this.nextId;
  }

  private flush(): void {
    this.flushQueued = false;
    const frames = this.pending;
    this.pending = [];
    if (!this.ready || frames.length === 0) return;
    writeFrames(this.socket!, frames);
  }

  private open(): void {
    const { hostname, port } = this.url;
    const host = hostname.replace(/^\[|\]$/g, '');
    const socket = this.url.protocol === 'mqtts:'
      ? tlsConnect({ host, port: Number(port || 8883), servername: isIP(host) ? undefined : host, secureContext: this.trust }, () => this.greet(socket))
      : netConnect({ host, port: Number(port || 1883) }, () => this.greet(socket));
    this.socket = socket;
    socket.setNoDelay(true);
    this.timers.connect = setTimeout(() => socket.destroy(), this.options.connectTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.read(socket, chunk));
    socket.on('error', (err) => { // followed by 'close', which reconnects
      if (isCertificateError(err)) this.options.onUntrusted?.(err.code);
    });
    socket.on('close', () => this.dropped());
  }

  /** CONNECT, with the login of the options or else the one in the URL (`mqtt://user:password@host`), as mqtt.js does. */
  private greet(socket: Socket): void {
    const { username, password } = this.options.username !== undefined ? this.options
      : { username: this.url.username ? decodeURIComponent(this.url.username) : undefined,
        password: this.url.password ? decodeURIComponent(this.url.password) : undefined };
    socket.write(connectFrame({ ...this.options, username, password }));
  }

  private dropped(): void {
    this.ready = false;
    this.pending = [];
    this.flushQueued = false;
    this.received = Buffer.alloc(0);
    clearTimeout(this.timers.connect);
    clearInterval(this.timers.keepalive);
    if (!this.closing) this.timers.reconnect = setTimeout(() => this.open(), this.options.reconnectMs);
  }

  private read(socket: Socket, chunk: Buffer): void {
    this.lastHeard = Date.now();
    let data = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
    let at = 0;
    for (;;) {
      let frame;
      try {
        frame = frameAt(data, at);
      } catch {
        socket.destroy(); // not MQTT: drop it and connect afresh
        return;
      }
      if (!frame) break;
      this.handle(data[at]! & 0xf0, data.subarray(frame.body, frame.end));
      at = frame.end;
    }
    data = data.subarray(at);
    this.received = data.length === 0 ? Buffer.alloc(0) : Buffer.from(data);
  }

  private handle(type: number, body: Buffer): void {
    if (type === PUBACK && body.length >= 2) {
      const id = body.readUInt16BE(0);
      const outgoing = this.unacked.get(id);
      if (!outgoing) return;
      this.unacked.delete(id);
      outgoing.done();
    } else if (type === CONNACK && body.length >= 2) {
      const code = body[1]!;
      if (code !== 0) {
        this.options.onRefused?.(code);
        this.socket?.destroy();
        return;
      }
      clearTimeout(this.timers.connect);
      this.ready = true;
      this.keepAlive();
      // Whatever was waiting goes out now, oldest first: unacknowledged ones again, then those queued meanwhile;
      // one written MAX_WRITES times already fails instead (its recipient is retried by the coordinator).
      // The failed ones are told last: their callbacks may publish at once, and that must not join this resend.
      const again: Outgoing[] = [];
      const failed: Outgoing[] = [];
      for (const outgoing of this.unacked.values()) (outgoing.writes < MAX_WRITES ? again : failed).push(outgoing);
      if (again.length > 0) writeFrames(this.socket!, again);
      for (const outgoing of failed) this.unacked.delete(outgoing.id);
      for (const outgoing of failed) outgoing.done(new Error(`not acknowledged after ${MAX_WRITES} connections`));
    }
  }

  /** A PINGREQ every half keepalive; a connection that heard nothing for two keepalives is dropped. */
  private keepAlive(): void {
    clearInterval(this.timers.keepalive);
    const seconds = this.options.keepaliveSeconds;
    this.lastHeard = Date.now();
    if (seconds <= 0) return; // keepalive off
    this.timers.keepalive = setInterval(() => {
      if (Date.now() - this.lastHeard > 2_000 * seconds) this.socket?.destroy();
      else this.socket?.write(PINGREQ);
    }, 500 * seconds);
    this.timers.keepalive.unref();
  }
}

/** Writes frames in one write when they are small together, else corked one by one. */
function writeFrames(socket: Socket, frames: Outgoing[]): void {
  let bytes = 0;
  for (const f of frames) {
    bytes += f.header.length + f.payload.length;
    if (f.writes++ > 0) markDuplicate(f.header);
  }
  if (bytes <= COPY_LIMIT) {
    const out = Buffer.allocUnsafe(bytes);
    let at = 0;
    for (const f of frames) {
      at += f.header.copy(out, at);
      at += f.payload.copy(out, at);
    }
    socket.write(out);
    return;
  }
  socket.cork();
  for (const f of frames) {
    socket.write(f.header);
    socket.write(f.payload);
  }
  socket.uncork();
}
