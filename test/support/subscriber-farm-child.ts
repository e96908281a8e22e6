/**
 * One process of a SubscriberFarm (see subscriber-farm.ts): connects an MQTT client per user id of its slice, the
 * way a user's app does (clientId = username = user id, persistent session, own topic at QoS 1), counts what each
 * user receives and answers the parent over IPC. Started with `--import tsx`; never imported.
 */
import { connect, type MqttClient } from 'mqtt';
import type { ChildReport, ChildRequest, ChildMessage, FarmChildInit } from './subscriber-farm.js';

const now = () => performance.timeOrigin + performance.now();

/** What one user got: how many times each payload key arrived, and when. */
interface UserLog {
  keys: Map<string, number>;
  count: number;
  first: number;
  last: number;
}

let init: FarmChildInit;
const clients = new Map<number, MqttClient>();
const logs = new Map<number, UserLog>();
let latencies: number[] = [];
let deliveries = 0;
let reconnects = 0;
let lastReported = -1;

function send(message: ChildMessage): void {
  process.send?.(message);
}

function record(userId: number, payload: Buffer): void {
  const at = now();
  let event: Record<string, unknown> = {};
  try {
    event = JSON.parse(payload.toString()) as Record<string, unknown>;
  } catch {
    // Not JSON: the raw text identifies it.
  }
  const keyValue = event[init.keyField] ?? event.message_id ?? payload.toString();
  const key = String(keyValue);
  let log = logs.get(userId);
  if (!log) logs.set(userId, (log = { keys: new Map(), count: 0, first: at, last: at }));
  log.keys.set(key, (log.keys.get(key) ?? 0) + 1);
  log.count++;
  log.last = at;
  deliveries++;
  const sentAt = event[init.timeField];
  if (typeof sentAt === 'number') latencies.push(at - sentAt * init.timeScale);
}

/** Connects one user and subscribes its topic (unless the broker kept the session); resolves once subscribed. */
function connectUser(userId: number): Promise<void> {
  const id = String(userId);
  const client = connect(init.url, {
    clientId: id, username: id, clean: init.clean, reconnectPeriod: 1000, connectTimeout: 30_000, keepalive: 60,
  });
  clients.set(userId, client);
  client.on('message', (_topic, payload) => record(userId, payload));
  client.on('error', () => {}); // connect errors are retried by the client; a hopeless one ends in the timeout below
  return new Promise((resolve, reject) => {
    let subscribed = false;
    const timer = setTimeout(() => reject(new Error(`user ${id} not connected and subscribed after 60 s`)), 60_000);
    client.on('connect', (connack) => {
      if (subscribed) {
        reconnects++;
        return;
      }
      const done = (err?: Error | null) => {
        if (err) return reject(err);
        subscribed = true;
        clearTimeout(timer);
        resolve();
      };
      if (connack.sessionPresent && !init.clean) return done();
      client.subscribe(init.topicPrefix + id, { qos: 1 }, (err) => done(err));
    });
  });
}

/** Runs `task` over `items` with at most `width` in flight: 5 000 simultaneous CONNECTs swamp a small box. */
async function bounded<T>(items: T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}

function report(expectedPerUser: number): ChildReport {
  let duplicates = 0;
  let usersWithDuplicates = 0;
  let missing = 0;
  const missingSample: number[] = [];
  let firstArrival: number | undefined;
  let lastArrival: number | undefined;
  let lastUserId: number | undefined;
  for (const userId of init.userIds) {
    const log = logs.get(userId);
    const distinct = log?.keys.size ?? 0;
    if (distinct < expectedPerUser) {
      missing++;
      if (missingSample.length < 20) missingSample.push(userId);
    }
    if (!log) continue;
    const extra = log.count - distinct;
    duplicates += extra;
    if (extra > 0) usersWithDuplicates++;
    if (firstArrival === undefined || log.first < firstArrival) firstArrival = log.first;
    if (lastArrival === undefined || log.last > lastArrival) [lastArrival, lastUserId] = [log.last, userId];
  }
  return { deliveries, duplicates, usersWithDuplicates, missing, missingSample, firstArrival, lastArrival, lastUserId, latencies, reconnects };
}

/** Ends every client (DISCONNECT keeps a persistent session); `purge` then drops the sessions on the broker. */
async function stop(purge: boolean): Promise<void> {
  const ids = [...clients.keys()];
  await bounded(ids, init.connectBatch, (id) => clients.get(id)!.endAsync(false).catch(() => undefined));
  if (purge) {
    await bounded(ids, init.connectBatch, (id) => new Promise<void>((resolve) => {
      const client = connect(init.url, { clientId: String(id), username: String(id), clean: true, reconnectPeriod: 0, connectTimeout: 10_000 });
      const end = () => void client.endAsync(true).catch(() => undefined).then(() => resolve());
      client.once('connect', end);
      client.once('error', end);
      client.once('close', end);
    }));
  }
}

async function start(message: FarmChildInit): Promise<void> {
  init = message;
  const began = now();
  await bounded(init.userIds, init.connectBatch, connectUser);
  send({ type: 'ready', connected: clients.size, connectMs: now() - began });
  setInterval(() => {
    if (deliveries === lastReported) return;
    lastReported = deliveries;
    send({ type: 'progress', deliveries });
  }, init.progressIntervalMs);
}

process.on('message', (message: ChildRequest) => {
  const fail = (err: unknown) => {
    const error: ChildMessage = { type: 'error', message: err instanceof Error ? err.message : String(err) };
    process.send?.(error, () => process.exit(1));
  };
  if (message.type === 'init') start(message).catch(fail);
  else if (message.type === 'report') send({ type: 'report', report: report(message.expectedPerUser) });
  else if (message.type === 'reset') {
    logs.clear();
    latencies = [];
    deliveries = 0;
    lastReported = -1;
    send({ type: 'reset' });
  }
  else if (message.type === 'stop') {
    stop(message.purgeSessions).then(() => process.exit(0), fail);
  }
});
// The parent went away (a crashed test run): do not linger holding sockets.
process.on('disconnect', () => process.exit(0));
