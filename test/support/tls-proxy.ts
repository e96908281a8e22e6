import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer } from 'node:tls';

/** TLS in front of a plain TCP listener: what a broker behind a TLS terminator (or with its own TLS port) looks like. */
export interface TlsProxy {
  port: number;
  /** The proxy's self-signed certificate (PEM), for 127.0.0.1: the one CA a client must trust to get through. */
  ca: string;
  /** The file holding it. */
  caFile: string;
  /** Resolves at the next handshake a client broke off (it did not trust the certificate). */
  nextRejection(): Promise<void>;
  close(): Promise<void>;
}

/** Listens on a free loopback port with a new certificate made by `openssl` in `dir`, passing bytes to `targetPort`. */
export async function tlsProxy(targetPort: number, dir: string): Promise<TlsProxy> {
  const [keyFile, certFile] = [join(dir, `tls-proxy-${targetPort}-key.pem`), join(dir, `tls-proxy-${targetPort}-cert.pem`)];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  const ca = readFileSync(certFile, 'utf8');
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = createServer({ key: readFileSync(keyFile), cert: ca }, (client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    // Either side gone: so is the other (a broker dropping a client must look the same through the proxy).
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
    }
  });
  let rejected: Array<() => void> = [];
  server.on('tlsClientError', () => {
    for (const resolve of rejected.splice(0)) resolve();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    ca,
    caFile: certFile,
    nextRejection: () => new Promise<void>((resolve) => rejected.push(resolve)),
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      rejected = [];
      server.close(() => resolve());
    }),
  };
}
