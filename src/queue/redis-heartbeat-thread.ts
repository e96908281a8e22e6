import { parentPort, workerData } from 'node:worker_threads';
import { clientName, createRedisClient, quit, whenReady } from '../redis/client.js';

/** What the main thread hands the heartbeat thread (see redis-liveness.ts). */
export interface HeartbeatData {
  url: string;
  consumer: string;
  /** The node's liveness keys, one per partition. */
  keys: string[];
  ttlMs: number;
}

/** Sent to the main thread after each beat: whether every key was written. */
export interface Beat {
  ok: boolean;
}

/**
 * The heartbeat thread: writes the node's liveness keys every third of their TTL on its own event loop and its own
 * connection, so a main thread starved of CPU by fan-out work (or busy in a long synchronous step) cannot make them
 * lapse. It dies with the process: a kill -9 stops it as it stops everything else.
 */
const { url, consumer, keys, ttlMs } = workerData as HeartbeatData;
const port = parentPort!;
const beatEveryMs = Math.max(1, Math.floor(ttlMs / 3));
const redis = createRedisClient(url, { name: clientName(consumer, 'heartbeat'), commandTimeoutMs: Math.max(100, beatEveryMs) });

async function beat(): Promise<void> {
  const at = String(Date.now());
  // One command per key: on a cluster each partition's key lives on the node of its partition.
  const ok = await whenReady(redis, beatEveryMs)
    .then(() => Promise.all(keys.map((key) => redis.set(key, at, 'PX', ttlMs))))
    .then(() => true, () => false);
  port.postMessage({ ok } satisfies Beat);
}

const timer = setInterval(() => void beat(), beatEveryMs);
void beat();
port.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  void quit(redis).finally(() => port.close());
});
