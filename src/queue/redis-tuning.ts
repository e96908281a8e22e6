import { randomBytes } from 'node:crypto';
import type { RedisConfig } from '../config.js';
import { COMMAND_TIMEOUT_MS, processName } from '../redis/client.js';

/**
 * Knobs of the Redis queue that are not user settings (those come whole from the config's redis section, with their
 * defaults in config.ts): production keeps these values, tests turn them.
 */
export interface QueueTuning {
  /** Unique per process: two nodes sharing a name would share (and steal) each other's pending entries. */
  consumer?: string;
  /** How long one XREADGROUP waits for entries; a stop waits at most this long for the read loop. */
  blockMs?: number;
  /** Most entries taken per read. */
  batch?: number;
  /** Bound on any non-blocking command, including waiting for a connection: how fast `enqueue` fails when down. */
  commandTimeoutMs?: number;
  /** Whether the producer connection pipelines commands issued in one tick (on; bench/enqueue-pipelining.ts compares). */
  autoPipelining?: boolean;
}

export type QueueSettings = Readonly<RedisConfig & Required<QueueTuning>>;

export function queueSettings(redis: RedisConfig, tuning: QueueTuning = {}): QueueSettings {
  const settings = {
    ...redis,
    consumer: tuning.consumer ?? `${processName()}-${randomBytes(3).toString('hex')}`,
    blockMs: tuning.blockMs ?? 1000,
    batch: tuning.batch ?? 16,
    commandTimeoutMs: tuning.commandTimeoutMs ?? COMMAND_TIMEOUT_MS,
    autoPipelining: tuning.autoPipelining ?? true,
  };
  if (settings.consumer === '') throw new TypeError('RedisStreamQueue: consumer must be a non-empty string');
  for (const name of ['blockMs', 'batch', 'commandTimeoutMs'] as const) {
    if (!Number.isSafeInteger(settings[name]) || settings[name] < 1) {
      throw new RangeError(`RedisStreamQueue: ${name} must be a positive integer, got ${settings[name]}`);
    }
  }
  return settings;
}
