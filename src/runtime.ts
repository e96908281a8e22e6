import { openAuth } from './auth/open.js';
import type { Config, MqttConfig } from './config.js';
import { BrokerThread } from './broker/thread.js';
import { Dino } from './core/dino.js';
import { consoleBroker } from './http/console/broker.js';
import { HttpServer } from './http/server.js';
import type { ReadinessCheck } from './http/health.js';
import { logger } from './log.js';
import { DinoMetrics } from './metrics/registry.js';
import { MetricsServer } from './metrics/server.js';
import { openQueue } from './queue/open.js';
import type { BroadcastQueue } from './core/ports/queue.js';
import { openStorage } from './storage/open.js';
import { InProcessGroupChanges } from './changes/in-process.js';
import { InProcessIdempotencyStore } from './idempotency/in-process.js';
import type { Storage } from './core/ports/storage.js';
import type { GroupChanges } from './core/ports/changes.js';
import { ActivityProjector } from './core/projector.js';
import { LapsedSends } from './core/lapsed-sends.js';
import { FanOut } from './workers/fan-out.js';
import { publisherLogin } from './workers/mqtt-publisher.js';
import { readSettingFile } from './setting-file.js';
import { brokerCertificates } from './workers/broker-trust.js';

/** `start`: everything in one process; `server`: the HTTP API only; `fanout`: queue consumer and workers only. */
export type Role = 'start' | 'server' | 'fanout';

export interface RunningDino {
  httpPort?: number;
  mqttPort?: number;
  mqttWsPort?: number;
  /** The metrics listener of its own (DINO_METRICS_PORT), when one was asked for. */
  metricsPort?: number;
  queue: BroadcastQueue;
  storage?: Storage;
  /** Graceful stop: no new requests, in-flight fan-outs finished and acknowledged, then everything closed. */
  stop(): Promise<void>;
  /** Resolves with the reason if a part the process cannot go on without is gone (the embedded broker's thread). */
  lost: Promise<Error>;
}

export async function runDino(config: Config, role: Role): Promise<RunningDino> {
  if (role === 'server' && !config.redis) {
    throw new Error('`dino server` needs a shared queue: set DINO_REDIS_URL (or run `dino start` for a single process)');
  }
  if (role === 'fanout' && !config.redis) {
    throw new Error('`dino fanout` consumes the shared queue: set DINO_REDIS_URL');
  }
  warnIfInsecure(config, role);
  // Read before anything starts: a CA file that is missing or holds no certificate stops start-up at once.
  const brokerCa = role !== 'server' && config.mqtt.caFile !== undefined
    ? brokerCertificates(await readSettingFile('DINO_MQTT_CA_FILE', config.mqtt.caFile)) : undefined;
  const closers: Array<() => Promise<void> | void> = [];
  const stop = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    const metrics = new DinoMetrics();
    // Both sides need the storage and the change feed: the API for requests, the fan-out for its projector.
    if (role === 'fanout' && !config.cassandra) {
      logger.warn({ dataDir: config.dataDir }, '`dino fanout` on embedded SQLite: it records each message\'s group state in '
        + 'DINO_DATA_DIR, which must be the API server\'s own (same host); set DINO_CASSANDRA_CONTACT_POINTS as the servers do');
    }
    const storage = await openStorage(config);
    closers.push(() => storage.close());
    // The storage first: the embedded queue keeps its journal in SQLite storage's own file.
    const running: RunningDino = { queue: await openQueue(config, metrics, storage), storage, stop, lost: new Promise<Error>(() => undefined) };
    closers.push(() => running.queue.close());
    metrics.watch({ backlog: () => running.queue.backlog() });
    const checks: ReadinessCheck[] = [['queue', () => running.queue.ping()], ['storage', () => storage.ping()]];
    // Redis adapters are loaded only when asked for: ioredis alone is ~10 MB of a process that does not use it.
    const changes = config.redis ? new (await import('./changes/redis.js')).RedisGroupChanges(config.redis) : new InProcessGroupChanges();
    closers.push(() => changes.close());
    if (role !== 'server') await startFanOut(config, running, closers, checks, metrics, changes, brokerCa);
    if (role !== 'fanout') await startHttp(config, running, closers, checks, metrics, changes);
    if (config.metrics.port !== undefined) {
      const server = await MetricsServer.listen(config.http.host, config.metrics.port, metrics, config.metrics.keys);
      running.metricsPort = server.port;
      closers.push(() => server.close());
    }
    logger.info({ role, http: running.httpPort, mqtt: running.mqttPort, mqttWs: running.mqttWsPort, metrics: running.metricsPort,
      storage: running.storage?.kind, queue: running.queue.kind, workers: role === 'server' || !config.mqtt.url ? 0 : config.fanOut.workers }, 'dino is up');
    return running;
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

async function startFanOut(config: Config, running: RunningDino, closers: Array<() => Promise<void> | void>, checks: ReadinessCheck[],
  metrics: DinoMetrics, changes: GroupChanges, brokerCa: string | undefined) {
  let fanOut: FanOut;
  if (config.mqtt.url) {
    // An external broker checks Dino's publishers with the password derived from DINO_JWT_SECRET (its auth hooks).
    fanOut = FanOut.toBroker(config.mqtt.url, config.mqtt, config.fanOut, { login: publisherLogin(config.auth.jwtSecret), ca: brokerCa }, metrics);
  } else {
    // The embedded broker's thread publishes the fan-out's tasks itself.
    const broker = await BrokerThread.start(config);
    closers.push(() => broker.close());
    running.lost = broker.lost;
    // Every delivery now fails at once: retried while the process stops, each would soon count as dead. Consumption
    // stops first, so what is queued waits for the next start instead.
    void broker.lost.then(() => running.queue.stopConsuming());
    ({ tcpPort: running.mqttPort, wsPort: running.mqttWsPort } = broker.ready);
    fanOut = new FanOut([broker.publisher], metrics);
  }
  closers.push(() => fanOut.close());
  metrics.watch({ publishers: () => fanOut.publisherFigures() });
  const projector = new ActivityProjector(running.storage!, changes, {
    onRetry: (err, attempt) => logger.warn({ err, attempt }, 'could not store the last messages and read marks of sent messages, trying again'),
  });
  closers.push(() => projector.close());
  running.queue.startConsuming(projector.handler((broadcast, delivery) => fanOut.deliver(broadcast, delivery)),
    { concurrency: config.fanOut.concurrency });
  // Stopping consumption first lets in-hand broadcasts finish while the workers are still there.
  closers.push(() => running.queue.stopConsuming());
  checks.push(['broker', () => fanOut.ping()]);
}

async function startHttp(config: Config, running: RunningDino, closers: Array<() => Promise<void> | void>, checks: ReadinessCheck[],
  metrics: DinoMetrics, changes: GroupChanges) {
  const storage = running.storage!;
  const idempotency = config.redis ? new (await import('./idempotency/redis.js')).RedisIdempotencyStore(config.redis)
    : new InProcessIdempotencyStore({ maxKeys: config.idempotency.maxKeys });
  closers.push(() => idempotency.close());
  const auth = await openAuth(config.auth, config.mqtt.topicPrefix);
  const dino = new Dino({ storage, queue: running.queue, changes }, { maxEventBytes: maxEventBytes(config.mqtt), ...config.conversations });
  if (config.redis) {
    if (config.cassandra && config.redis.sendGraceMs <= config.cassandra.requestTimeoutMs) {
      logger.warn({ sendGraceMs: config.redis.sendGraceMs, cassandraTimeoutMs: config.cassandra.requestTimeoutMs },
        'DINO_SEND_GRACE_MS is not above DINO_CASSANDRA_TIMEOUT_MS: sends slowed by Cassandra may be undone and refused (503)');
    }
    const lapsed = new LapsedSends(running.queue, storage, Math.max(100, config.redis.sendGraceMs / 2), {
      undone: (count) => logger.warn({ count }, 'removed the messages of sends whose event was never queued (their process stopped, or the send failed)'),
      failed: (err) => logger.warn({ err }, 'could not sweep lapsed sends; the next pass tries again'),
    });
    closers.push(() => lapsed.close());
  }
  const http = new HttpServer(dino, config.http, checks, { recorder: metrics, keys: config.metrics.keys }, idempotency, auth,
    consoleBroker(config.mqtt, config.auth, running.mqttWsPort));
  running.httpPort = await http.listen();
  closers.push(() => http.drain());
}

/** DINO_INSECURE=true says so at every start, naming what this process runs without credentials. */
function warnIfInsecure({ auth, http, mqtt }: Config, role: Role): void {
  if (!auth.insecure) return;
  const brokerSecured = auth.jwtSecret !== undefined || auth.jwtPublicKeyFile !== undefined;
  const open = [
    ...(role !== 'fanout' && !http.apiKeys ? ['REST API without DINO_API_KEY'] : []),
    ...(role !== 'server' && !mqtt.url && !brokerSecured ? ['embedded MQTT broker without DINO_JWT_SECRET'] : []),
  ];
  logger.warn({ open }, 'DINO_INSECURE=true: listeners may face the network without credentials; anyone who reaches an open one can '
    + 'read and send every user\'s messages');
}

/**
 * The largest event payload one PUBLISH can carry within DINO_MQTT_MAX_PACKET_SIZE: the packet also holds a fixed
 * header (at most 5 bytes), the topic with its 2-byte length (prefix and up to 16 digits) and a 2-byte packet id.
 */
export function maxEventBytes(mqtt: MqttConfig): number {
  return mqtt.limits.maxPacketSize - (5 + 2 + Buffer.byteLength(mqtt.topicPrefix) + 16 + 2);
}
