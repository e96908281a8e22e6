import { hostname } from 'node:os';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { logger } from '../log.js';
import { SCRIPT_NAMES, withScripts, type DinoRedis } from './scripts.js';
import { redisTarget } from './target.js';

/**
 * Bound on any non-blocking command, and on waiting for a connection before one: how fast a call fails while Redis
 * is away (an enqueue answers 503, an idempotency check 503, an announcement gives up).
 */
export const COMMAND_TIMEOUT_MS = 2000;

/** Reconnect delay: doubling from 50 ms up to 2 s, so Redis coming back is noticed soon; jitter keeps processes apart. */
export const retryDelayMs = (attempt: number): number =>
  Math.min(50 * 2 ** Math.min(attempt - 1, 10), 2000) + Math.floor(Math.random() * 200);

export interface ClientOptions {
  /** The connection's name in CLIENT LIST (see `clientName`), also used in log lines. */
  name: string;
  commandTimeoutMs?: number;
  /** For a connection that runs blocking reads of up to this long: their deadline replaces the command timeout. */
  blockMs?: number;
  /**
   * Commands issued in the same tick go out as one pipeline (one write, one round trip): concurrent requests' XADDs
   * share round trips instead of queueing one behind the other. Not for a connection that blocks (XREADGROUP BLOCK).
   * Its generic `call`/`callBuffer` are then broken (ioredis 6 drops the command's name): use the named commands.
   */
  autoPipelining?: boolean;
}

/** Names a connection `dino:<owner>:<role>`, so an operator (or a test) can tell connections apart in CLIENT LIST. */
export const clientName = (owner: string, role: string): string => `dino:${owner.replace(/[^\w.:-]/g, '_')}:${role}`;

/** This process, as the owner part of its connections' names. */
export const processName = (): string => `${hostname()}-${process.pid}`;

/**
 * A connection as every part of Dino uses one. It connects when first used and has no offline queue, nor resends
 * after a reconnect: while Redis is away a command fails at once (an enqueue answers 503 promptly, a read loop backs
 * off) instead of piling up and running late, after its caller was already told it failed. It reconnects by itself,
 * and has Dino's Lua scripts as commands.
 */
export function createRedisClient(url: string, options: ClientOptions): DinoRedis {
  const commandTimeoutMs = options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS;
  const timeouts: RedisOptions = options.blockMs === undefined
    ? { commandTimeout: commandTimeoutMs }
    // A blocking read outlasts the command timeout; its own client-side deadline still stops a silently dead socket.
    : { blockingTimeout: options.blockMs + commandTimeoutMs, blockingTimeoutGrace: commandTimeoutMs };
  const client = connectTo(url, {
    ...commonOptions(options.name), ...timeouts, enableAutoPipelining: options.autoPipelining === true,
    // Dino's scripts went slower auto-pipelined, not faster: 43–44 k against 53–55 k group enqueues/s, medians of 9
    // (bench/enqueue-pipelining.ts). They are sent on their own; the enqueue path batches its appends itself instead
    // (one enqueueManyInOrder call per partition per turn, src/queue/redis-partition.ts).
    // SADD too: a send's intent is handed to the socket when issued, before the row it covers is written
    // (src/queue/redis-send-intents.ts); an auto-pipelined command would wait for a later turn.
    autoPipeliningIgnoredCommands: [...SCRIPT_NAMES, 'sadd'],
  });
  logConnectionErrors(client, options.name);
  return withScripts(client);
}

/**
 * One server's connection, or a Redis Cluster client for a `redis+cluster://` URL. The cluster client is typed as a
 * Redis: it has the same commands (each routed to the node holding its key's slot), events and status; every script
 * and multi-key command Dino sends touches keys of one slot only (hash tags, see keys.ts).
 */
function connectTo(url: string, options: RedisOptions): Redis {
  const target = redisTarget(url);
  if (!target.cluster) return new Redis(url, options);
  const { enableOfflineQueue, retryStrategy, lazyConnect, enableAutoPipelining, autoPipeliningIgnoredCommands, ...perNode } = options;
  return new Cluster(target.nodes, {
    enableOfflineQueue, lazyConnect, enableAutoPipelining, autoPipeliningIgnoredCommands, clusterRetryStrategy: retryStrategy,
    redisOptions: {
      ...perNode, username: target.username, password: target.password, ...(target.tls ? { tls: {} } : {}),
    },
  }) as unknown as Redis;
}

/**
 * A connection that listens to `channel`. It subscribes on every (re)connection itself (ioredis' resubscription is
 * off, so the moment listening resumed is known) and then calls `resumed`: whatever was sent meanwhile was missed.
 */
export function createSubscriber(url: string, name: string, channel: string,
  on: { message(text: string): void; resumed(): void }): Redis {
  const client = connectTo(url, { ...commonOptions(name), commandTimeout: COMMAND_TIMEOUT_MS, autoResubscribe: false });
  logConnectionErrors(client, name);
  client.on('message', (_channel: string, text: string) => on.message(text));
  client.on('ready', () => {
    client.subscribe(channel).then(() => on.resumed(), (err: Error) => {
      logger.warn({ err: err.message, name, channel }, 'redis subscribe failed, reconnecting');
      if (client.status === 'ready') client.disconnect(true); // a fresh connection subscribes again
    });
  });
  client.connect().catch(() => undefined); // a failed first attempt is logged and retried like any reconnect
  return client;
}

function commonOptions(name: string): RedisOptions {
  return {
    connectionName: name, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false, retryStrategy: retryDelayMs,
  };
}

/** Resolves once the client is connected, starting a lazy connection; rejects after `timeoutMs` or if closed. */
export async function whenReady(client: Redis, timeoutMs = COMMAND_TIMEOUT_MS): Promise<void> {
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

/** Closes gracefully when connected (QUIT after the replies in flight), else at once. */
export async function quit(client: Redis): Promise<void> {
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else client.disconnect();
}

/** ioredis reports every failed reconnect attempt; one line per outage (and per 10 s) is enough. */
function logConnectionErrors(client: Redis, name: string): void {
  client.setMaxListeners(0); // every caller waiting for a connection listens for 'ready'
  let lastLogged = 0;
  client.on('error', (err: Error) => {
    if (Date.now() - lastLogged < 10_000) return;
    lastLogged = Date.now();
    logger.warn({ err: err.message, name }, 'redis connection error, reconnecting');
  });
  client.on('ready', () => {
    if (lastLogged !== 0) logger.info({ name }, 'redis connection restored');
    lastLogged = 0;
  });
}
