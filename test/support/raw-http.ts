import { connect } from 'node:net';
import { request } from 'node:http';

export interface RawExchange {
  /** Everything the server wrote, as text. */
  text: string;
  /** The server closed the connection (rather than the wait running out). */
  closed: boolean;
  /** How many HTTP status lines the server wrote: one per answered request. */
  answers: number;
}

/**
 * Writes `bytes` exactly as given on a fresh connection to 127.0.0.1:port (no client-side framing), and collects
 * what comes back until the server closes the connection or `waitMs` passes without it doing so.
 */
export function rawHttp(port: number, bytes: string | Buffer, waitMs = 1000): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed, answers: (text.match(/^HTTP\/1\.1 \d{3}/gm) ?? []).length });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.once('end', () => {
      closed = true;
      finish();
    });
    socket.once('error', () => {
      closed = true;
      finish();
    });
    socket.write(bytes);
  });
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or the text when it is not JSON. */
  body: any;
}

/**
 * One request with exactly the headers given (fetch would add a Content-Type of its own), answered within
 * `timeoutMs` or rejected: a hang is a failure.
 */
export function httpCall(port: number, method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // Node frames a POST's or PUT's body itself, but sends a DELETE's with neither Content-Length nor chunking: the
    // server would read it as the start of a next request. Framed here unless the caller frames it.
    const named = Object.keys(options.headers ?? {}).map((h) => h.toLowerCase());
    const unframed = options.body !== undefined && !named.includes('content-length') && !named.includes('transfer-encoding');
    const headers = unframed ? { ...options.headers, 'content-length': String(Buffer.byteLength(options.body!)) } : options.headers;
    const req = request({ host: '127.0.0.1', port, method, path, headers, timeout: options.timeoutMs ?? 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: any = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch { /* not JSON: kept as text */ }
        resolve({ status: res.statusCode!, headers: res.headers, body });
      });
    });
    req.once('timeout', () => req.destroy(new Error(`${method} ${path.slice(0, 80)} not answered within ${options.timeoutMs ?? 10_000} ms`)));
    req.once('error', reject);
    req.end(options.body);
  });
}
