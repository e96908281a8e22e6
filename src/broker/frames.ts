import { Duplex } from 'node:stream';

const SUBSCRIBE = 8;
const UNSUBSCRIBE = 10;

/** What a connection may send before aedes parses it: packet size, and topic filters in one (UN)SUBSCRIBE. */
export interface FrameLimits {
  maxPacketSize: number;
  maxFiltersPerSubscribe: number;
}

export type Scanned = { out: Buffer[] } | { refused: string };

/**
 * Walks the MQTT fixed headers of a client's byte stream. aedes has no packet size limit of its own: its parser
 * buffers whatever the remaining length announces, so a packet over the limit is refused from its header, before
 * its body arrives. The body of a SUBSCRIBE or UNSUBSCRIBE is held back until its filters are counted: aedes handles
 * a filter list at a cost that grows faster than its length, all in one turn of the event loop.
 */
export class FrameScanner {
  private stage: 'type' | 'length' | 'body' = 'type';
  private type = 0;
  private length = 0;
  private lengthBytes = 0;
  /** Body bytes of the current packet still to come. */
  private left = 0;
  /** The (UN)SUBSCRIBE body being held back, or null while bytes pass straight through. */
  private held: Buffer[] | null = null;

  constructor(private readonly limits: FrameLimits) {}

  /** The bytes of `chunk` that may go on to the broker now (in order), or why the connection must end. */
  scan(chunk: Buffer): Scanned {
    const out: Buffer[] = [];
    let from = 0; // first byte of `chunk` neither passed on nor held yet
    let i = 0;
    while (i < chunk.length) {
      if (this.stage === 'body') {
        const end = Math.min(chunk.length, i + this.left);
        this.left -= end - i;
        if (this.held) {
          this.held.push(chunk.subarray(i, end));
          from = end;
        }
        i = end;
        if (this.left > 0) continue;
        this.stage = 'type';
        if (this.held) {
          const refused = this.release(out);
          if (refused) return { refused };
        }
        continue;
      }
      const byte = chunk[i++]!;
      if (this.stage === 'type') {
        this.type = byte >> 4;
        this.length = 0;
        this.lengthBytes = 0;
        this.stage = 'length';
        continue;
      }
      this.length += (byte & 0x7f) * 128 ** this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes === 4) return { refused: 'malformed remaining length' };
        continue;
      }
      const size = 1 + this.lengthBytes + this.length;
      if (size > this.limits.maxPacketSize) return { refused: `a packet of ${size} bytes, over the ${this.limits.maxPacketSize} byte limit` };
      this.left = this.length;
      this.stage = this.left > 0 ? 'body' : 'type';
      if (this.left > 0 && (this.type === SUBSCRIBE || this.type === UNSUBSCRIBE)) {
        if (i > from) out.push(chunk.subarray(from, i));
        from = i;
        this.held = [];
      }
    }
    if (!this.held && from < chunk.length) out.push(chunk.subarray(from));
    return { out };
  }

  /** The held (UN)SUBSCRIBE body is complete: pass it on, unless it names too many filters. */
  private release(out: Buffer[]): string | undefined {
    const body = Buffer.concat(this.held!);
    this.held = null;
    const filters = countFilters(body, this.type === SUBSCRIBE, this.limits.maxFiltersPerSubscribe);
    if (filters > this.limits.maxFiltersPerSubscribe) {
      return `more than ${this.limits.maxFiltersPerSubscribe} topic filters in one ${this.type === SUBSCRIBE ? 'SUBSCRIBE' : 'UNSUBSCRIBE'}`;
    }
    out.push(body);
    return undefined;
  }
}

/**
 * Topic filters in an MQTT 3.1.1 (UN)SUBSCRIBE body (aedes speaks no MQTT 5): a packet id, then per filter a
 * 2-byte length, the filter and, in a SUBSCRIBE, one options byte. Stops counting past `max`.
 */
function countFilters(body: Buffer, withOptions: boolean, max: number): number {
  let count = 0;
  for (let at = 2; at + 2 <= body.length && count <= max; count++) at += 2 + body.readUInt16BE(at) + (withOptions ? 1 : 0);
  return count;
}

/**
 * A client connection as aedes sees it: the bytes it reads went through a FrameScanner; writes go straight to the
 * underlying TCP socket or WebSocket stream. `refuse` learns why a connection was cut.
 */
export class ScannedConnection extends Duplex {
  constructor(private readonly inner: Duplex, scanner: FrameScanner, refuse: (reason: string) => void) {
    super({ allowHalfOpen: false });
    inner.on('data', (chunk: Buffer) => {
      const scanned = scanner.scan(chunk);
      if ('refused' in scanned) {
        refuse(scanned.refused);
        this.destroy();
        return;
      }
      for (const bytes of scanned.out) if (!this.push(bytes)) inner.pause();
    });
    inner.once('end', () => this.push(null));
    inner.once('error', (err) => this.destroy(err));
    inner.once('close', () => this.destroy());
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.inner.write(chunk)) done();
    else this.inner.once('drain', () => done());
  }

  /** mqtt-packet corks while it writes one packet in pieces: hand the pieces on as one write. */
  override _writev(chunks: Array<{ chunk: Buffer }>, done: (err?: Error | null) => void): void {
    this.inner.cork();
    let flowing = true;
    for (const { chunk } of chunks) flowing = this.inner.write(chunk);
    this.inner.uncork();
    if (flowing) done();
    else this.inner.once('drain', () => done());
  }

  override _final(done: (err?: Error | null) => void): void {
    this.inner.end(() => done());
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.inner.destroy();
    done(err);
  }
}
