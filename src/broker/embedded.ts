import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Config } from '../config.js';
import { logger } from '../log.js';
import { connackFirst } from './connack-first.js';
import { Entrance } from './entrance.js';
import { BrokerGuard } from './guard.js';
import { sessionStoreOf, tolerateDroppedMessages } from './session-store.js';
import { openBrokerPersistence, type BrokerPersistence } from './sessions/open.js';
import { InThreadConnection } from '../workers/in-thread-connection.js';
import type { PublishConnection } from '../workers/publish-connection.js';

/**
 * The embedded MQTT broker (aedes): MQTT over TCP and over WebSocket at `/mqtt`. The fan-out publishes to it from
 * its own thread (inThreadConnection); other publishers connect by URL, as to any broker. Sessions, subscriptions and queued messages are kept in its persistence
 * (./sessions: a SQLite file in the data dir, or Redis), capped and expired there, so they outlive a restart.
 * Connections come in through the Entrance (connect rate, packet limits); the BrokerGuard decides who gets in and
 * what they may do.
 */
export class EmbeddedBroker {
  private constructor(
    private readonly aedes: Aedes,
    private readonly tcp: TcpServer,
    private readonly http: HttpServer,
    private readonly wss: WebSocketServer,
    private readonly guard: BrokerGuard,
    private readonly watchers: Array<{ close(): void }>,
    private readonly persistence: BrokerPersistence,
  ) {}

  static async start(config: Pick<Config, 'mqtt' | 'auth' | 'dataDir' | 'redis' | 'http'>): Promise<EmbeddedBroker> {
    const { mqtt, auth } = config;
    const { limits } = mqtt;
    const guard = await BrokerGuard.create(mqtt.topicPrefix, auth, limits.maxSubscriptions);
    const persistence = await openBrokerPersistence(config);
    const aedes = await Aedes.createBroker({
      id: `dino-${process.pid}`, persistence, ...guard.hooks(),
      connectTimeout: limits.connectTimeoutSeconds * 1000, keepaliveLimit: limits.maxKeepaliveSeconds,
      ...slowAppPolicy(mqtt),
    });
    connackFirst(aedes);
    const store = sessionStoreOf(aedes);
    guard.watch(aedes, store);
    tolerateDroppedMessages(store);
    const entrance = new Entrance(aedes, limits);
    const watchers = [guard, entrance];
    const tcp = createTcpServer((socket) => {
      if (entrance.admit(socket)) entrance.hand(socket, socket.remoteAddress);
    });
    const http = createHttpServer((_req, res) => res.writeHead(426).end('MQTT over WebSocket only, at /mqtt\n'));
    http.on('connection', (socket: Socket) => entrance.admit(socket));
    // ws buffers a whole message before handing it on: no message may be larger than the largest packet.
    const wss = new WebSocketServer({ server: http, path: '/mqtt', maxPayload: limits.maxPacketSize,
      verifyClient: ({ origin }: { origin?: string }) => originAllowed(origin, config.http.corsOrigins) });
    wss.on('connection', (socket, req) => {
      const stream = createWebSocketStream(socket);
      stream.on('error', (err) => logger.debug({ err }, 'mqtt websocket stream error'));
      entrance.hand(stream, req.socket.remoteAddress, req);
    });
    aedes.on('clientError', (client, err) => logger.debug({ client: client?.id, err: err.message }, 'mqtt client error'));
    try {
      await listen(tcp, mqtt.port, mqtt.host, 'DINO_MQTT_PORT');
      await listen(http, mqtt.wsPort, mqtt.host, 'DINO_MQTT_WS_PORT');
    } catch (err) {
      await new Promise((resolve) => aedes.close(() => resolve(null)));
      await persistence.destroy();
      for (const watcher of watchers) watcher.close();
      tcp.close();
      http.close();
      throw err;
    }
    if (!guard.secure) {
      logger.info('embedded MQTT broker is open (no DINO_JWT_SECRET or DINO_JWT_PUBLIC_KEY_FILE): '
        + 'any client that reaches it may subscribe and publish to any user topic');
    }
    return new EmbeddedBroker(aedes, tcp, http, wss, guard, watchers, persistence);
  }

  get tcpPort(): number {
    return (this.tcp.address() as AddressInfo).port;
  }

  get wsPort(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** The URL publishers outside this thread use to reach this broker. */
  get url(): string {
    return `mqtt://127.0.0.1:${this.tcpPort}`;
  }

  /** A publisher connection of this thread, handing PUBLISHes to the broker directly (no socket, no login). */
  inThreadConnection(): PublishConnection {
    return new InThreadConnection(this.aedes);
  }

  /** What publishers connecting by URL derive their password from (DINO_JWT_SECRET); undefined: none can log in as one (open broker: none needs to). */
  get publisherSecret(): string | undefined {
    return this.guard.publisherSecret;
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await Promise.all([closeServer(this.tcp), closeServer(this.http), new Promise((r) => this.aedes.close(() => r(null)))]);
    // aedes does not close its persistence: what it has not committed yet is written now.
    await this.persistence.destroy();
    for (const watcher of this.watchers) watcher.close();
  }
}

/**
 * What an app that stops reading its socket may hold up. A delivery to an online app is done once written to its
 * socket; aedes waits for a full socket to drain, then drops the app (`drainTimeout`; its persistent session keeps what
 * was queued for it). Those waits must end well within the fan-out's acknowledgement timeout, or the fan-out would
 * count the app's deliveries as failed and publish them again; and they must not use up the deliveries aedes runs
 * at once (`concurrency`, 100 by default), or one stalled app would hold up everybody's: that bound is the fan-out's
 * own in-flight window.
 */
function slowAppPolicy({ ackTimeoutMs, connections, inflightWindow }: Config['mqtt']): { drainTimeout: number; concurrency: number } {
  return { drainTimeout: Math.min(60_000, Math.floor(ackTimeoutMs / 2)), concurrency: Math.max(100, connections * inflightWindow) };
}

function listen(server: TcpServer | HttpServer, port: number, host: string, setting: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') return reject(err);
      reject(new Error(`port ${port} (${setting}) is already in use on ${host}: another MQTT broker may run there. `
        + `Choose a free port (${setting}=0 picks one) or publish to that broker instead (DINO_MQTT_URL=mqtt://127.0.0.1:${port})`));
    });
    server.listen(port, host, () => resolve());
  });
}

function closeServer(server: TcpServer | HttpServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    if ('closeAllConnections' in server) server.closeAllConnections();
  });
}

/**
 * With DINO_CORS_ORIGINS set, a browser page may open the MQTT WebSocket only from a listed origin (browsers always
 * send Origin; apps and servers, which send none, are not concerned). Unset, any origin may, as with no CORS list.
 */
export function originAllowed(origin: string | undefined, corsOrigins: readonly string[]): boolean {
  if (corsOrigins.length === 0 || origin === undefined) return true;
  return corsOrigins.includes(origin.toLowerCase().replace(/\/$/, ''));
}
