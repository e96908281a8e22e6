import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { oneCqlPort } from './storage/cassandra-port.js';
import { isRedisUrl } from './redis/target.js';
import { DEFAULT_ATTACHMENT_TYPES, type AttachmentTypes } from './core/attachments.js';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const optionalText = z.string().trim().min(1).optional();
const contactPoints = z
  .string()
  .trim()
  .min(1)
  .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
  .refine((points) => points.every((p) => /^[\w.-]+(:\d{1,5})?$/.test(p)), 'expected host[:port],…')
  // The driver reaches the nodes it discovers at one port for all (src/storage/cassandra-port.ts).
  .refine(oneCqlPort, 'every node must serve CQL on the same port: name one port, or none (9042)')
  .optional();
const keyList = z.string().trim().min(1)
  .transform((s) => s.split(',').map((k) => k.trim()).filter(Boolean))
  .refine((keys) => keys.length > 0 && keys.every((k) => k.length >= 16), 'expected comma-separated keys of 16+ characters')
  .optional();
/** Message types, comma-separated (`image,video,3`); `none` for none (an empty value means the default). */
const typeList = z.string().transform((s) => (s.trim() === 'none' ? [] : s.split(',').map((t) => t.trim()).filter(Boolean)))
  .refine((types) => types.every((t) => t.length <= 64), 'expected comma-separated message types of at most 64 characters');
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
/** `86400`, `90s`, `15m`, `24h` or `7d`, as seconds. */
const duration = z.string().trim().regex(/^\d+[smhd]?$/, 'expected seconds, or a number with s, m, h or d')
  .transform((v) => Number.parseInt(v, 10) * (UNIT_SECONDS[v.at(-1)!] ?? 1))
  .refine((v) => v > 0, 'must be positive');
const url = (schemes: string[]) =>
  z.string().trim().refine((s) => {
    try {
      return schemes.includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, `expected a ${schemes.join(' or ')} URL`).optional();
/** Browser origins (`https://app.example.com`), compared as the browser sends them in `Origin`. */
const origins = z
  .string()
  .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
  .refine((list) => list.every(isOrigin), 'expected comma-separated origins such as https://app.example.com')
  .transform((list) => list.map((o) => new URL(o).origin))
  .default([]);

function isOrigin(text: string): boolean {
  try {
    const u = new URL(text);
    return ['http:', 'https:'].includes(u.protocol) && u.pathname === '/' && !u.search && !u.hash && !u.username && !u.password;
  } catch {
    return false;
  }
}

/**
 * The configuration contract: each `DINO_*` variable with its default. The same names, lower-cased with dashes,
 * are CLI flags (`--http-port` for DINO_HTTP_PORT); a flag wins over the environment.
 */
export const settings = {
  DINO_HTTP_HOST: z.string().trim().min(1).default('127.0.0.1'),
  DINO_HTTP_PORT: port.default(8080),
  DINO_DATA_DIR: z.string().trim().min(1).default('./data'),
  DINO_CASSANDRA_CONTACT_POINTS: contactPoints,
  DINO_CASSANDRA_KEYSPACE: z.string().regex(/^[a-z_][a-z0-9_]{0,47}$/i, 'expected a CQL identifier').default('dino'),
  DINO_CASSANDRA_LOCAL_DC: z.string().trim().min(1).default('datacenter1'),
  DINO_CASSANDRA_REPLICATION: z.string().regex(/^(simple:\d+|[\w-]+:\d+(,[\w-]+:\d+)*)$/, 'expected simple:RF or dc:RF,…').default('simple:1'),
  DINO_CASSANDRA_CONSISTENCY: z.enum(['ONE', 'LOCAL_ONE', 'QUORUM', 'LOCAL_QUORUM']).default('LOCAL_QUORUM'),
  DINO_CASSANDRA_TIMEOUT_MS: positiveInt.default(12_000),
  DINO_REDIS_URL: z.string().trim().refine(isRedisUrl, 'expected a redis:// or rediss:// URL, or redis+cluster://host:port[,host:port…]').optional(),
  // No braces: the stream's name goes inside the partitions' hash tags (src/redis/slots.ts).
  DINO_STREAM: z.string().trim().min(1).regex(/^[^{}]*$/, 'must not contain { or }').default('dino:broadcast'),
  DINO_STREAM_PARTITIONS: positiveInt.max(256).default(1),
  DINO_STREAM_GROUP: z.string().trim().min(1).default('dino-fanout'),
  DINO_STREAM_MAXLEN: positiveInt.default(1_000_000),
  DINO_CLAIM_IDLE_MS: positiveInt.default(30_000),
  DINO_NODE_TTL_MS: positiveInt.min(300).default(3000),
  DINO_MAX_ATTEMPTS: positiveInt.default(5),
  DINO_ORDER_WAIT_MS: positiveInt.default(5000),
  DINO_SEND_GRACE_MS: positiveInt.min(100).default(30_000),
  DINO_MQTT_URL: url(['mqtt:', 'mqtts:', 'tcp:', 'ws:', 'wss:']),
  DINO_MQTT_CA_FILE: optionalText,
  DINO_MQTT_HOST: z.string().trim().min(1).default('127.0.0.1'),
  DINO_MQTT_PORT: port.default(1883),
  DINO_MQTT_WS_PORT: port.default(8083),
  // Brokers refuse topics of many levels (aedes: more than 100): a user's topic is the prefix's levels and one more.
  DINO_MQTT_TOPIC_PREFIX: z.string().regex(/^[^#+]*$/, 'must not contain MQTT wildcards')
    .refine((prefix) => prefix.split('/').length <= 64, 'must have at most 63 slashes').default(''),
  DINO_MQTT_CONNECTIONS: positiveInt.max(64).default(2),
  DINO_MQTT_INFLIGHT: positiveInt.max(65_000).default(5000),
  DINO_MQTT_ACK_TIMEOUT_MS: positiveInt.default(30_000),
  // One core is left to the main thread (HTTP, queue, the coordinator): more threads cost CPU per delivery (docs/capacity.md).
  DINO_WORKERS: positiveInt.max(256).default(Math.max(1, availableParallelism() - 1)),
  DINO_FANOUT_CONCURRENCY: positiveInt.optional(),
  DINO_QUEUE_MAX_RECIPIENTS: positiveInt.default(10_000_000),
  DINO_API_KEY: keyList,
  DINO_JWT_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
  DINO_JWT_PUBLIC_KEY_FILE: optionalText,
  DINO_JWT_TTL: duration.default(86_400),
  DINO_INSECURE: bool.default(false),
  DINO_MQTT_MAX_PACKET_SIZE: positiveInt.max(268_435_455).default(1024 * 1024),
  DINO_MQTT_MAX_SUBSCRIPTIONS: positiveInt.default(8),
  DINO_MQTT_MAX_FILTERS: positiveInt.default(8),
  DINO_MQTT_MAX_QUEUED: positiveInt.default(1000),
  DINO_MQTT_SESSION_EXPIRY: duration.default(7 * 86_400),
  DINO_MQTT_CONNECT_RATE: positiveInt.default(100),
  DINO_MQTT_MAX_KEEPALIVE: duration.default(1200),
  DINO_MQTT_CONNECT_TIMEOUT: duration.default(10),
  DINO_BODY_LIMIT: positiveInt.default(1024 * 1024),
  DINO_NOTIFICATION_BODY_LIMIT: positiveInt.default(16 * 1024 * 1024),
  DINO_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DINO_MAX_RECIPIENTS: positiveInt.default(1_000_000),
  DINO_CORS_ORIGINS: origins,
  DINO_IDEMPOTENCY_MAX_KEYS: positiveInt.default(100_000),
  DINO_METRICS_PORT: port.optional(),
  DINO_METRICS_KEY: keyList,
  /** Unset: the console is served when the API listens on loopback only. */
  DINO_CONSOLE: bool.optional(),
  DINO_READ_RECEIPT_MAX_MEMBERS: z.coerce.number().int().min(0).default(2),
  DINO_UNREAD_CACHE_SIZE: z.coerce.number().int().min(0).default(100_000),
  DINO_ATTACHMENT_TYPES: z.string().default(DEFAULT_ATTACHMENT_TYPES.types.join(',')).pipe(typeList),
  DINO_ATTACHMENT_UNLISTED_TYPES: z.string().default(DEFAULT_ATTACHMENT_TYPES.unlisted.join(',')).pipe(typeList),
} as const;

export type SettingName = keyof typeof settings;
type Settings = { [K in SettingName]: z.output<(typeof settings)[K]> };

/** The validated configuration, one section per part; each part is handed its own section whole. */
export interface Config {
  logLevel: Settings['DINO_LOG_LEVEL'];
  http: {
    host: string; port: number; bodyLimit: number; notificationBodyLimit: number; apiKeys?: string[];
    /** User ids one `notification/send` may list, over all its entries. */
    maxRecipients: number;
    /** Browser origins allowed by CORS (exact `scheme://host[:port]`); empty: no CORS headers at all. */
    corsOrigins: string[];
    /** Serve the web console at /console (DINO_CONSOLE; on by default for a loopback listener only). */
    console: boolean;
  };
  /** In-process idempotency keys kept at most; the oldest go first. */
  idempotency: { maxKeys: number };
  dataDir: string;
  cassandra?: { contactPoints: string[]; keyspace: string; localDataCenter: string; replication: string; consistency: Settings['DINO_CASSANDRA_CONSISTENCY']; requestTimeoutMs: number };
  redis?: { url: string; stream: string; group: string; maxLen: number; claimIdleMs: number; nodeTtlMs: number; maxAttempts: number; orderWaitMs: number; partitions: number; sendGraceMs: number };
  /** The in-process queue (no Redis): deliveries of a broadcast, and recipients waiting at most before refusing. */
  queue: { maxAttempts: number; maxRecipients: number };
  mqtt: {
    url?: string; host: string; port: number; wsPort: number; topicPrefix: string; connections: number; inflightWindow: number;
    ackTimeoutMs: number;
    /** PEM certificates the fan-out trusts for an `mqtts:`/`wss:` DINO_MQTT_URL besides Node's own CAs. */
    caFile?: string;
    /** The embedded broker forgets a persistent session (clean=false) whose client stays away this long. */
    sessionExpirySeconds: number;
    /** The embedded broker's limits per client. */
    limits: {
      maxPacketSize: number; maxSubscriptions: number; maxFiltersPerSubscribe: number; maxQueued: number; connectsPerIpPerSecond: number;
      /** Longest keepalive a client may ask for; 0 (none: a connection idle for ever) is refused too. */
      maxKeepaliveSeconds: number;
      /** How long a connection may stay open before its CONNECT arrives. */
      connectTimeoutSeconds: number;
    };
  };
  fanOut: { workers: number; concurrency: number };
  /**
   * Prometheus metrics: `/metrics` on the API port, and for `dino fanout` its own listener on `port` (at the HTTP
   * host). With `keys`, a scrape needs `Authorization: Bearer <key>`.
   */
  metrics: { port?: number; keys?: string[] };
  /**
   * Conversations: read receipts go to groups of at most this many members; unread counts kept in the process;
   * attachment placeholder types and those of them not listed.
   */
  conversations: { readReceiptMaxMembers: number; unreadCacheSize: number; attachmentTypes: AttachmentTypes };
  /** MQTT client credentials. No secret and no public key: open broker (loopback only, unless `insecure`). */
  auth: { jwtSecret?: string; jwtPublicKeyFile?: string; jwtTtlSeconds: number; insecure: boolean };
}
export type HttpConfig = Config['http'];
export type MqttConfig = Config['mqtt'];
export type QueueConfig = Config['queue'];
export type FanOutConfig = Config['fanOut'];
export type AuthConfig = Config['auth'];
export type MqttLimits = MqttConfig['limits'];
export type MetricsConfig = Config['metrics'];

/** The Redis section, present when DINO_REDIS_URL is set: the queue, idempotency keys and group changes get it whole. */
export type RedisConfig = NonNullable<Config['redis']>;

export class ConfigError extends Error {}

export const flagOf = (name: SettingName): string => '--' + name.slice('DINO_'.length).toLowerCase().replace(/_/g, '-');

/** Reads and validates every setting; the first bad value stops start-up with a message naming the variable. */
export function loadConfig(env: Record<string, string | undefined>, flags: Record<string, string | undefined> = {}): Config {
  const values: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(settings) as [SettingName, z.ZodType][]) {
    const raw = flags[name] ?? env[name];
    const result = schema.safeParse(raw === '' && name !== 'DINO_MQTT_TOPIC_PREFIX' ? undefined : raw);
    if (!result.success) {
      const problem = result.error.issues[0]?.message ?? 'invalid';
      throw new ConfigError(`${name} (${flagOf(name)}): ${problem} (got ${JSON.stringify(raw)})`);
    }
    values[name] = result.data;
  }
  return checkBrokerTls(checkExposure(toConfig(values as Settings)));
}

/** A CA file is for a broker reached over TLS: set without one, it would be read and never used. */
function checkBrokerTls(config: Config): Config {
  const { url, caFile } = config.mqtt;
  if (caFile !== undefined && !(url?.startsWith('mqtts:') || url?.startsWith('wss:'))) {
    throw new ConfigError(`DINO_MQTT_CA_FILE (${flagOf('DINO_MQTT_CA_FILE')}): set, but DINO_MQTT_URL is not an mqtts:// or wss:// `
      + 'URL, so no connection would use it');
  }
  return config;
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * Secure by default: a listener beyond loopback needs credentials (an API key for REST, a JWT secret or public key
 * for MQTT clients of the embedded broker), unless DINO_INSECURE=true asks for the open mode by name.
 */
function checkExposure(config: Config): Config {
  if (config.auth.insecure) return config;
  if (!isLoopback(config.http.host) && !config.http.apiKeys) {
    throw new ConfigError(`DINO_HTTP_HOST (${flagOf('DINO_HTTP_HOST')}): ${config.http.host} is not a loopback address: `
      + 'set DINO_API_KEY so callers must authenticate (or DINO_INSECURE=true to run open)');
  }
  if (config.metrics.port !== undefined && !isLoopback(config.http.host) && !config.metrics.keys) {
    throw new ConfigError(`DINO_METRICS_PORT (${flagOf('DINO_METRICS_PORT')}): the metrics listener would face the network `
      + `on ${config.http.host} (DINO_HTTP_HOST): set DINO_METRICS_KEY so scrapers must authenticate (or DINO_INSECURE=true to run open)`);
  }
  const brokerSecured = config.auth.jwtSecret !== undefined || config.auth.jwtPublicKeyFile !== undefined;
  if (!config.mqtt.url && !isLoopback(config.mqtt.host) && !brokerSecured) {
    throw new ConfigError(`DINO_MQTT_HOST (${flagOf('DINO_MQTT_HOST')}): ${config.mqtt.host} is not a loopback address: `
      + 'set DINO_JWT_SECRET (or DINO_JWT_PUBLIC_KEY_FILE) so MQTT clients must authenticate (or DINO_INSECURE=true to run open)');
  }
  return config;
}

function toConfig(s: Settings): Config {
  return {
    logLevel: s.DINO_LOG_LEVEL,
    http: {
      host: s.DINO_HTTP_HOST, port: s.DINO_HTTP_PORT, bodyLimit: s.DINO_BODY_LIMIT, notificationBodyLimit: s.DINO_NOTIFICATION_BODY_LIMIT,
      apiKeys: s.DINO_API_KEY, maxRecipients: s.DINO_MAX_RECIPIENTS, corsOrigins: s.DINO_CORS_ORIGINS,
      console: s.DINO_CONSOLE ?? isLoopback(s.DINO_HTTP_HOST),
    },
    idempotency: { maxKeys: s.DINO_IDEMPOTENCY_MAX_KEYS },
    dataDir: s.DINO_DATA_DIR,
    cassandra: s.DINO_CASSANDRA_CONTACT_POINTS && {
      contactPoints: s.DINO_CASSANDRA_CONTACT_POINTS, keyspace: s.DINO_CASSANDRA_KEYSPACE,
      localDataCenter: s.DINO_CASSANDRA_LOCAL_DC, replication: s.DINO_CASSANDRA_REPLICATION, consistency: s.DINO_CASSANDRA_CONSISTENCY,
      requestTimeoutMs: s.DINO_CASSANDRA_TIMEOUT_MS,
    },
    redis: s.DINO_REDIS_URL === undefined ? undefined : {
      url: s.DINO_REDIS_URL, stream: s.DINO_STREAM, group: s.DINO_STREAM_GROUP, maxLen: s.DINO_STREAM_MAXLEN,
      claimIdleMs: s.DINO_CLAIM_IDLE_MS, nodeTtlMs: s.DINO_NODE_TTL_MS, maxAttempts: s.DINO_MAX_ATTEMPTS, orderWaitMs: s.DINO_ORDER_WAIT_MS,
      partitions: s.DINO_STREAM_PARTITIONS, sendGraceMs: s.DINO_SEND_GRACE_MS,
    },
    mqtt: {
      url: s.DINO_MQTT_URL, caFile: s.DINO_MQTT_CA_FILE, host: s.DINO_MQTT_HOST, port: s.DINO_MQTT_PORT, wsPort: s.DINO_MQTT_WS_PORT,
      topicPrefix: s.DINO_MQTT_TOPIC_PREFIX, connections: s.DINO_MQTT_CONNECTIONS, inflightWindow: s.DINO_MQTT_INFLIGHT,
      ackTimeoutMs: s.DINO_MQTT_ACK_TIMEOUT_MS, sessionExpirySeconds: s.DINO_MQTT_SESSION_EXPIRY,
      limits: { maxPacketSize: s.DINO_MQTT_MAX_PACKET_SIZE, maxSubscriptions: s.DINO_MQTT_MAX_SUBSCRIPTIONS,
        maxFiltersPerSubscribe: s.DINO_MQTT_MAX_FILTERS, maxQueued: s.DINO_MQTT_MAX_QUEUED, connectsPerIpPerSecond: s.DINO_MQTT_CONNECT_RATE,
        maxKeepaliveSeconds: s.DINO_MQTT_MAX_KEEPALIVE, connectTimeoutSeconds: s.DINO_MQTT_CONNECT_TIMEOUT },
    },
    auth: { jwtSecret: s.DINO_JWT_SECRET, jwtPublicKeyFile: s.DINO_JWT_PUBLIC_KEY_FILE, jwtTtlSeconds: s.DINO_JWT_TTL, insecure: s.DINO_INSECURE },
    queue: { maxAttempts: s.DINO_MAX_ATTEMPTS, maxRecipients: s.DINO_QUEUE_MAX_RECIPIENTS },
    fanOut: { workers: s.DINO_WORKERS, concurrency: s.DINO_FANOUT_CONCURRENCY ?? defaultFanOutConcurrency(s.DINO_REDIS_URL) },
    metrics: { port: s.DINO_METRICS_PORT, keys: s.DINO_METRICS_KEY },
    conversations: { readReceiptMaxMembers: s.DINO_READ_RECEIPT_MAX_MEMBERS, unreadCacheSize: s.DINO_UNREAD_CACHE_SIZE,
      attachmentTypes: { types: s.DINO_ATTACHMENT_TYPES, unlisted: s.DINO_ATTACHMENT_UNLISTED_TYPES } },
  };
}

/**
 * Broadcasts a fan-out process works on at once, unless DINO_FANOUT_CONCURRENCY says. A Redis consumer's entries in
 * hand are what another node must take over should it die: 8. The embedded queue keeps its entries in its journal
 * whatever is in hand, and the broadcasts in hand in one event-loop turn go to each worker thread in one hand-off
 * (workers/hand-off.ts): 256. With 64 in hand the fan-out fell behind a single busy group's sends (its in-hand
 * round trip bounded it at about the rate the API accepted them), so broadcasts waited 40–85 ms on average for their
 * turn, and the waiting backlog made every young-generation GC copy it; with 256 they wait about 2 ms and a send
 * costs a little less CPU (bench/send-cpu.ts, which reports both).
 */
function defaultFanOutConcurrency(redisUrl: string | undefined): number {
  return redisUrl === undefined ? 256 : 8;
}
