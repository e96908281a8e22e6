import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Errors, type DinoError } from '../core/errors.js';
import { bearerMatches } from '../http/api-key.js';
import { errorEnvelope } from '../http/reply.js';
import { httpStatus } from '../http/status.js';
import type { Exposition } from './recorders.js';

/**
 * The metrics listener of its own (DINO_METRICS_PORT, at DINO_HTTP_HOST): what `dino fanout`, which has no API,
 * is scraped on. `GET /metrics` only; behind DINO_METRICS_KEY when set (config refuses a non-loopback host without).
 */
export class MetricsServer {
  private constructor(private readonly server: Server, readonly port: number) {}

  static listen(host: string, port: number, metrics: Exposition, keys: string[] | undefined): Promise<MetricsServer> {
    const server = createServer((req, res) => void answer(req, res, metrics, keys));
    return new Promise((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`cannot listen on ${host}:${port} (DINO_METRICS_PORT): ${err.message}`)));
      server.listen(port, host, () => resolve(new MetricsServer(server, (server.address() as AddressInfo).port)));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

async function answer(req: IncomingMessage, res: ServerResponse, metrics: Exposition, keys: string[] | undefined): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  if (path !== '/metrics') return refuse(res, Errors.notFound(req.method ?? '', path ?? ''));
  if (req.method !== 'GET') return refuse(res, Errors.notFound(req.method ?? '', path));
  if (!bearerMatches(req.headers.authorization, keys)) return refuse(res, Errors.unauthorized('metrics key'));
  try {
    const text = await metrics.text();
    res.writeHead(200, { 'Content-Type': metrics.contentType }).end(text);
  } catch (err) {
    refuse(res, Errors.unexpected(err));
  }
}

/** The API's error envelope, at the status the API would answer it with. */
function refuse(res: ServerResponse, err: DinoError): void {
  res.writeHead(httpStatus(err.code), { 'Content-Type': 'application/json' })
    .end(JSON.stringify(errorEnvelope(err)));
}
