import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

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
  /** Longest a keyed broadcast waits for its predecessor (on any node) before it is published anyway. */
  orderWaitMs?: number;
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
    commandTimeoutMs: options.commandTimeoutMs ?? 2000,
    orderWaitMs: options.orderWaitMs ?? 5000,
  };
  for (const name of ['url', 'stream', 'group', 'consumer'] as const) {
    if (typeof settings[name] !== 'string' || settings[name] === '') {
      throw new TypeError(`RedisStreamQueue: option ${name} must be a non-empty string`);
    }
  }
  for (const name of ['maxLen', 'blockMs', 'batch', 'claimIdleMs', 'maxAttempts', 'commandTimeoutMs', 'orderWaitMs'] as const) {
    if (!Number.isSafeInteger(settings[name]) || settings[name] < 1) {
      throw new RangeError(`RedisStreamQueue: option ${name} must be a positive integer, got ${settings[name]}`);
    }
  }
  return settings;
}
