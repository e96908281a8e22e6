import { connect, type AddressInfo, type Socket } from 'node:net';
import { createServer } from 'node:tls';
import { selfSignedCertificate } from './certificate.js';

/** TLS in front of a plain TCP listener: what a broker behind a TLS terminator (or with its own TLS port) looks like. */
export interface TlsProxy {
  port: number;
  /** The proxy's self-signed certificate (PEM), for 127.0.0.1: the one CA a client must trust to get through. */
  ca: string;
  /** The file holding it. */
  caFile: string;
  /** Handshakes completed so far. */
  handshakes(): number;
  /** Resolves at the next handshake a client broke off (it did not trust the certificate). */
  nextRejection(): Promise<void>;
  close(): Promise<void>;
}

/** Listens on a free loopback port with a new certificate (made by `openssl` under `dir`), passing bytes to `targetPort`. */
export async function tlsProxy(targetPort: number, dir: string): Promise<TlsProxy> {
  const { cert: ca, certFile, key } = selfSignedCertificate(dir);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  let handshakes = 0;
  const server = createServer({ key, cert: ca }, (client) => {
    handshakes++;
    const upstream = connect(targetPort, '127.0.0.1');
    // No Nagle on either side: a proxy must not hold small packets back (each would wait for the last one's ACK).
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    // Either side gone: so is the other (a broker dropping a client must look the same through the proxy).
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
    }
  });
  server.on('connection', track); // from the first byte: close() must not wait for a handshake in progress
  let rejected: Array<() => void> = [];
  server.on('tlsClientError', () => {
    for (const resolve of rejected.splice(0)) resolve();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    ca,
    caFile: certFile,
    handshakes: () => handshakes,
    nextRejection: () => new Promise<void>((resolve) => rejected.push(resolve)),
    close: () => new Promise<void>((resolve) => {
      rejected = [];
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    }),
  };
}
