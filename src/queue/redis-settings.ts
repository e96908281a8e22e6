import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { logger } from '../log.js';

export interface RedisStreamQueueOptions {
  url: string;
  stream?: string;
  group?: string;
  /** Unique per process: two nodes sharing a name would share (and steal) each other's pending entries. */
  consumer?: string;
  /** Approximate stream cap (XADD MAXLEN ~). */
  maxLen?: number;
  blockMs?: number;
  /** Most entries taken per read. */
  batch?: number;
  /** How long an entry may sit unacknowledged on a consumer before another one takes it over. */
  claimIdleMs?: number;
  /** Handler runs before an entry moves to the dead letters. */
  maxAttempts?: number;
  deadLetterStream?: string;
  /** Bound on any non-blocking command, including waiting for a connection: how fast `enqueue` fails when down. */
  commandTimeoutMs?: number;
}

export type Settings = Required<RedisStreamQueueOptions>;

const defaultConsumer = () => `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

export function settingsFrom(options: RedisStreamQueueOptions): Settings {
  const stream = options.stream ?? 'dino:broadcast';
  const settings: Settings = {
    url: options.url,
    stream,
    group: options.group ?? 'dino-fanout',
    consumer: options.consumer ?? defaultConsumer(),
    maxLen: options.maxLen ?? 1_000_000,
    blockMs: options.blockMs ?? 1000,
    batch: options.batch ?? 16,
    claimIdleMs: options.claimIdleMs ?? 30_000,
    maxAttempts: options.maxAttempts ?? 5,
    deadLetterStream: options.deadLetterStream ?? `${stream}:dead`,
    commandTimeoutMs: options.commandTimeoutMs ?? 2000,
  };
  for (const name of ['url', 'stream', 'group', 'consumer', 'deadLetterStream'] as const) {
    if (typeof settings[name] !== 'string' || settings[name] === '') {
      throw new TypeError(`RedisStreamQueue: option ${name} must be a non-empty string`);
    }
  }
  for (const name of ['maxLen', 'blockMs', 'batch', 'claimIdleMs', 'maxAttempts', 'commandTimeoutMs'] as const) {
    if (!Number.isSafeInteger(settings[name]) || settings[name] < 1) {
      throw new RangeError(`RedisStreamQueue: option ${name} must be a positive integer, got ${settings[name]}`);
    }
  }
  return settings;
}

/** Names the connection in CLIENT LIST, so an operator (or a test) can tell our connections apart. */
export function clientName(consumer: string, role: string): string {
  return `dino:${consumer.replace(/[^\w.:-]/g, '_')}:${role}`;
}

/** Resolves once the client is connected, starting a lazy connection; rejects after `timeoutMs` or if closed. */
export async function whenReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'end') throw new Error('connection closed');
  if (client.status === 'wait') client.connect().catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  let settle = () => {};
  try {
    await new Promise<void>((resolve, reject) => {
      const onEnd = () => reject(new Error('connection closed'));
      settle = () => {
        client.off('ready', resolve);
        client.off('end', onEnd);
      };
      client.once('ready', resolve);
      client.once('end', onEnd);
      timer = setTimeout(() => reject(new Error(`not connected within ${timeoutMs} ms`)), timeoutMs);
    });
  } finally {
    clearTimeout(timer);
    settle();
  }
}

/** ioredis reports every failed reconnect attempt; one line per outage (and per 10 s) is enough. */
export function logConnectionErrors(client: Redis, role: string): void {
  client.setMaxListeners(0); // every caller waiting for a connection listens for 'ready'
  let lastLogged = 0;
  client.on('error', (err: Error) => {
    if (Date.now() - lastLogged < 10_000) return;
    lastLogged = Date.now();
    logger.warn({ err: err.message, role }, 'redis connection error, reconnecting');
  });
  client.on('ready', () => {
    if (lastLogged !== 0) logger.info({ role }, 'redis connection restored');
    lastLogged = 0;
  });
}

export async function quit(client: Redis): Promise<void> {
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else client.disconnect();
}
