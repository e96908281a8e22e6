import { Redis } from 'ioredis';
import { logger } from '../log.js';
import type { Settings } from './redis-settings.js';

/**
 * The queue's two connections. Neither has an offline queue nor resends after a reconnect: while Redis is away a
 * command fails at once (enqueue answers 503 promptly, the read loop backs off) instead of piling up and running
 * late, after its caller was already told it failed. Both reconnect by themselves (ioredis' retry strategy).
 */
export function createClients(settings: Settings): { producer: Redis; reader: Redis } {
  const { url, consumer, commandTimeoutMs, blockMs } = settings;
  const common = { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 } as const;
  const producer = new Redis(url, {
    ...common, connectionName: clientName(consumer, 'producer'), commandTimeout: commandTimeoutMs,
  });
  // XREADGROUP BLOCK holds its connection, so reads get their own and never delay enqueue or acks.
  const reader = new Redis(url, {
    ...common, connectionName: clientName(consumer, 'reader'),
    // A client-side deadline for the blocking read: a silently dead socket would otherwise hang the loop.
    blockingTimeout: blockMs + commandTimeoutMs, blockingTimeoutGrace: commandTimeoutMs,
  });
  logConnectionErrors(producer, 'producer');
  logConnectionErrors(reader, 'reader');
  return { producer, reader };
}

/** Names the connection in CLIENT LIST, so an operator (or a test) can tell our connections apart. */
function clientName(consumer: string, role: string): string {
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
function logConnectionErrors(client: Redis, role: string): void {
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
