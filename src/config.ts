import { availableParallelism } from 'node:os';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const optionalText = z.string().trim().min(1).optional();
const contactPoints = z
  .string()
  .trim()
  .min(1)
  .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
  .refine((points) => points.every((p) => /^[\w.-]+(:\d{1,5})?$/.test(p)), 'expected host[:port],…')
  .optional();
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
  DINO_HTTP_HOST: z.string().trim().min(1).default('0.0.0.0'),
  DINO_HTTP_PORT: port.default(8080),
  DINO_DATA_DIR: z.string().trim().min(1).default('./data'),
  DINO_CASSANDRA_CONTACT_POINTS: contactPoints,
  DINO_CASSANDRA_KEYSPACE: z.string().regex(/^[a-z_][a-z0-9_]{0,47}$/i, 'expected a CQL identifier').default('dino'),
  DINO_CASSANDRA_LOCAL_DC: z.string().trim().min(1).default('datacenter1'),
  DINO_CASSANDRA_REPLICATION: z.string().regex(/^(simple:\d+|[\w-]+:\d+(,[\w-]+:\d+)*)$/, 'expected simple:RF or dc:RF,…').default('simple:1'),
  DINO_CASSANDRA_CONSISTENCY: z.enum(['ONE', 'LOCAL_ONE', 'QUORUM', 'LOCAL_QUORUM']).default('LOCAL_QUORUM'),
  DINO_CASSANDRA_TIMEOUT_MS: positiveInt.default(12_000),
  DINO_REDIS_URL: url(['redis:', 'rediss:']),
  DINO_STREAM: z.string().trim().min(1).default('dino:broadcast'),
  DINO_STREAM_GROUP: z.string().trim().min(1).default('dino-fanout'),
  DINO_STREAM_MAXLEN: positiveInt.default(1_000_000),
  DINO_CLAIM_IDLE_MS: positiveInt.default(30_000),
  DINO_MAX_ATTEMPTS: positiveInt.default(5),
  DINO_ORDER_WAIT_MS: positiveInt.default(5000),
  DINO_MQTT_URL: url(['mqtt:', 'mqtts:', 'tcp:', 'ws:', 'wss:']),
  DINO_MQTT_HOST: z.string().trim().min(1).default('0.0.0.0'),
  DINO_MQTT_PORT: port.default(1883),
  DINO_MQTT_WS_PORT: port.default(8083),
  DINO_MQTT_TOPIC_PREFIX: z.string().regex(/^[^#+]*$/, 'must not contain MQTT wildcards').default(''),
  DINO_MQTT_CONNECTIONS: positiveInt.max(64).default(2),
  DINO_MQTT_INFLIGHT: positiveInt.max(65_000).default(5000),
  DINO_MQTT_ACK_TIMEOUT_MS: positiveInt.default(30_000),
  DINO_WORKERS: positiveInt.max(256).default(availableParallelism()),
  DINO_FANOUT_CONCURRENCY: positiveInt.default(8),
  DINO_QUEUE_MAX_RECIPIENTS: positiveInt.default(10_000_000),
  DINO_API_KEY: optionalText,
  DINO_BODY_LIMIT: positiveInt.default(1024 * 1024),
  DINO_NOTIFICATION_BODY_LIMIT: positiveInt.default(16 * 1024 * 1024),
  DINO_MAX_RECIPIENTS: positiveInt.default(1_000_000),
  DINO_CORS_ORIGINS: origins,
  DINO_IDEMPOTENCY_MAX_KEYS: positiveInt.default(100_000),
} as const;

export type SettingName = keyof typeof settings;
type Settings = { [K in SettingName]: z.output<(typeof settings)[K]> };

export interface Config {
  http: {
    host: string; port: number; bodyLimit: number; notificationBodyLimit: number; apiKey?: string;
    /** User ids one `notification/send` may list, over all its entries. */
    maxRecipients: number;
    /** Browser origins allowed by CORS (exact `scheme://host[:port]`); empty: no CORS headers at all. */
    corsOrigins: string[];
  };
  /** In-process idempotency keys kept at most; the oldest go first. */
  idempotency: { maxKeys: number };
  dataDir: string;
  cassandra?: { contactPoints: string[]; keyspace: string; localDataCenter: string; replication: string; consistency: Settings['DINO_CASSANDRA_CONSISTENCY']; requestTimeoutMs: number };
  redis?: { url: string; stream: string; group: string; maxLen: number; claimIdleMs: number; maxAttempts: number; orderWaitMs: number };
  mqtt: { url?: string; host: string; port: number; wsPort: number; topicPrefix: string; connections: number; inflightWindow: number; ackTimeoutMs: number };
  workers: number;
  fanOutConcurrency: number;
  maxAttempts: number;
  /** In-process queue: recipients waiting at most before new broadcasts are refused. */
  queueMaxRecipients: number;
}

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
  return toConfig(values as Settings);
}

function toConfig(s: Settings): Config {
  return {
    http: {
      host: s.DINO_HTTP_HOST, port: s.DINO_HTTP_PORT, bodyLimit: s.DINO_BODY_LIMIT, notificationBodyLimit: s.DINO_NOTIFICATION_BODY_LIMIT,
      apiKey: s.DINO_API_KEY, maxRecipients: s.DINO_MAX_RECIPIENTS, corsOrigins: s.DINO_CORS_ORIGINS,
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
      claimIdleMs: s.DINO_CLAIM_IDLE_MS, maxAttempts: s.DINO_MAX_ATTEMPTS, orderWaitMs: s.DINO_ORDER_WAIT_MS,
    },
    mqtt: {
      url: s.DINO_MQTT_URL, host: s.DINO_MQTT_HOST, port: s.DINO_MQTT_PORT, wsPort: s.DINO_MQTT_WS_PORT,
      topicPrefix: s.DINO_MQTT_TOPIC_PREFIX, connections: s.DINO_MQTT_CONNECTIONS, inflightWindow: s.DINO_MQTT_INFLIGHT,
      ackTimeoutMs: s.DINO_MQTT_ACK_TIMEOUT_MS,
    },
    workers: s.DINO_WORKERS,
    fanOutConcurrency: s.DINO_FANOUT_CONCURRENCY,
    maxAttempts: s.DINO_MAX_ATTEMPTS,
    queueMaxRecipients: s.DINO_QUEUE_MAX_RECIPIENTS,
  };
}
