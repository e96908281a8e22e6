/**
 * Prometheus metrics end to end, on real `dino` processes: the counters move with the work, exactly; DINO_METRICS_KEY
 * guards both endpoints; `dino fanout` (publishing to Mosquitto) is scraped on DINO_METRICS_PORT. Brokers acknowledge
 * a PUBLISH with no subscriber too, so no MQTT client is needed for a delivery to count as acked.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startDino, startDinos, type DinoProcess } from '../support/dino-process.js';
import { scrape, type Scrape } from '../support/metrics.js';
import { mosquittoUrl, redisUrl } from '../support/services.js';
import { sleep, until } from '../support/wait.js';

const SEND_ROUTE = { route: '/v1/groups/:group_id/user/:user_id/send', method: 'POST', status: '200' };
const ACKED = { result: 'acked' };
const METRICS_KEY = 'metrics-key-for-the-test';
const API_KEY = 'api-key-for-the-test-0001';

/** `dino` logs the metrics listener's port in its "dino is up" line. */
const metricsPortOf = (p: DinoProcess) => (JSON.parse(p.logs.find((line) => line.includes('"dino is up"'))!) as { metrics: number }).metrics;

/** A group of `members` (owner included) with `messages` messages: what `dino_deliveries_total` must grow by. */
async function groupTraffic(base: string, members: number, messages: number) {
  const owner = 1 + Math.floor(Math.random() * 1e9);
  const others = Array.from({ length: members - 1 }, (_, i) => owner + 1 + i);
  const created = await api(base, 'POST', `/v1/users/${owner}/groups/create`, { group_name: 'metrics', users: others });
  expect(created.status).toBe(200);
  for (let i = 0; i < messages; i++) {
    const sent = await api(base, 'POST', `/v1/groups/${created.body.group_id}/user/${owner}/send`, { message_payload: `m${i}`, message_type: 'text' });
    expect(sent.status).toBe(200);
  }
  // The group event reaches every member, then each message does.
  return { deliveries: members + messages * members };
}

/** Waits until `counter` has grown by `by` since `before`, then makes sure it stays there (no late extra count). */
async function grownBy(read: () => Promise<Scrape>, before: Scrape, name: string, labels: Record<string, string>, by: number) {
  const grown = async () => (await read()).count(name, labels) - before.count(name, labels);
  await until(`${name} to grow by ${by}`, async () => (await grown()) >= by);
  await sleep(300);
  expect(await grown()).toBe(by);
}

describe('metrics of `dino start`', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dino-metrics-'));
  let dino: DinoProcess;
  const read = () => scrape(`${dino.base}/metrics`);

  beforeAll(async () => {
    dino = await startDino('start', { DINO_DATA_DIR: dataDir, DINO_MQTT_CONNECTIONS: '3' });
  });
  afterAll(async () => {
    expect(await dino?.stop()).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts N messages to a group of M as N×M deliveries, N sends and N+1 broadcasts', async () => {
    const [members, messages] = [6, 9];
    const before = await read();
    const { deliveries } = await groupTraffic(dino.base, members, messages);
    await grownBy(read, before, 'dino_deliveries_total', ACKED, deliveries);
    const after = await read();
    const grew = (name: string, labels: Record<string, string> = {}) => after.count(name, labels) - before.count(name, labels);
    expect(deliveries).toBe(members + messages * members);
    expect(grew('dino_deliveries_total', { result: 'unacked' })).toBe(0);
    expect(grew('dino_http_requests_total', SEND_ROUTE)).toBe(messages);
    expect(grew('dino_http_request_duration_seconds_count', { route: SEND_ROUTE.route })).toBe(messages);
    expect(grew('dino_http_requests_total', { route: '/v1/users/:user_id/groups/create', method: 'POST', status: '200' })).toBe(1);
    expect(grew('dino_broadcasts_total', { event_type: 'message', result: 'ok' })).toBe(messages);
    expect(grew('dino_broadcasts_total', { event_type: 'group', result: 'ok' })).toBe(1);
    expect(grew('dino_broadcast_duration_seconds_count')).toBe(messages + 1);
    expect(grew('dino_dead_letters_total')).toBe(0);
  });

  it('labels a request that matches no route "unknown", never with its URL', async () => {
    const before = await read();
    expect((await api(dino.base, 'GET', `/v1/no-such/${randomBytes(4).toString('hex')}`)).status).toBe(404);
    const after = await read();
    const unknown = { route: 'unknown', method: 'GET', status: '404' };
    expect(after.count('dino_http_requests_total', unknown) - before.count('dino_http_requests_total', unknown)).toBe(1);
    expect(after.text).not.toContain('/v1/no-such');
  });

  it('counts a notification under its caller-chosen event type', async () => {
    const before = await read();
    const sent = await api(dino.base, 'POST', '/v1/notification/send', { event_type: 'promo', notification: [{ user_ids: [7, 8, 9], data: {} }] });
    expect(sent.status).toBe(201);
    await grownBy(read, before, 'dino_deliveries_total', ACKED, 3);
    expect((await read()).count('dino_broadcasts_total', { event_type: 'promo', result: 'ok' })).toBe(1);
  });

  it('shows the publisher connections (the embedded broker thread\'s lanes), the queue and the process', async () => {
    const response = await fetch(`${dino.base}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    // One publishing thread, the broker's own, with DINO_MQTT_CONNECTIONS in-thread lanes.
    const now = await until('every publisher connection up', async () => {
      const scraped = await read();
      return scraped.value('dino_mqtt_connections', { state: 'connected' }) === 3 && scraped;
    });
    expect(now.value('dino_mqtt_connections', { state: 'disconnected' })).toBe(0);
    expect(now.value('dino_mqtt_inflight')).toBe(0);
    expect(now.value('dino_stream_pending')).toBe(0);
    expect(now.value('dino_stream_lag')).toBe(0);
    expect(now.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(now.declares('nodejs_eventloop_lag_seconds')).toBe(true);
  });
});

describe('DINO_METRICS_KEY', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dino-metrics-key-'));
  let dino: DinoProcess;
  beforeAll(async () => {
    dino = await startDino('start', { DINO_DATA_DIR: dataDir, DINO_WORKERS: '1', DINO_METRICS_KEY: METRICS_KEY, DINO_API_KEY: API_KEY,
      DINO_METRICS_PORT: '0' });
  });
  afterAll(async () => {
    expect(await dino?.stop()).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is needed on the API port and on the metrics port, and is the only key either takes', async () => {
    for (const url of [`${dino.base}/metrics`, `http://127.0.0.1:${metricsPortOf(dino)}/metrics`]) {
      const status = async (key?: string) => (await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} })).status;
      expect(await status(), url).toBe(401);
      expect(await status(API_KEY), url).toBe(401);
      expect(await status(`${METRICS_KEY}x`), url).toBe(401);
      expect((await scrape(url, { authorization: `Bearer ${METRICS_KEY}` })).declares('dino_deliveries_total')).toBe(true);
    }
    // …and the metrics key opens nothing else.
    const call = (key: string) => api(dino.base, 'POST', '/v1/users/5/groups/create', { group_name: 'k', users: [] }, { authorization: `Bearer ${key}` });
    expect((await call(METRICS_KEY)).status).toBe(401);
    expect((await call(API_KEY)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${metricsPortOf(dino)}/v1/anything`)).status).toBe(404);
  });
});

const REDIS_URL = redisUrl();

const MOSQUITTO_URL = mosquittoUrl();

describe.skipIf(!REDIS_URL || !MOSQUITTO_URL)('`dino fanout` scraped on DINO_METRICS_PORT', () => {
  const tag = randomBytes(4).toString('hex');
  const env = { DINO_REDIS_URL: REDIS_URL!, DINO_STREAM: `dino:test:${tag}`, DINO_STREAM_GROUP: `dino-test-${tag}` };
  const dataDir = mkdtempSync(join(tmpdir(), 'dino-metrics-fanout-'));
  let server: DinoProcess;
  let fanout: DinoProcess;

  beforeAll(async () => {
    [server, fanout] = await startDinos(
      ['server', { ...env, DINO_DATA_DIR: dataDir }],
      ['fanout', { ...env, DINO_MQTT_URL: MOSQUITTO_URL!, DINO_WORKERS: '2', DINO_MQTT_CONNECTIONS: '2', DINO_METRICS_PORT: '0' }],
    ) as [DinoProcess, DinoProcess];
  });
  afterAll(async () => {
    const codes = await Promise.all([fanout?.stop(), server?.stop()]);
    const admin = new Redis(REDIS_URL!);
    await admin.del(env.DINO_STREAM, `${env.DINO_STREAM}:dead`, ...(await admin.keys(`${env.DINO_STREAM}:*`)));
    await admin.quit();
    rmSync(dataDir, { recursive: true, force: true });
    expect(codes).toEqual([0, 0]);
  });

  it('counts the deliveries on the fan-out node and the requests on the API node', async () => {
    const readFanout = () => scrape(`http://127.0.0.1:${metricsPortOf(fanout)}/metrics`);
    const [fanoutBefore, serverBefore] = await Promise.all([readFanout(), scrape(`${server.base}/metrics`)]);
    const [members, messages] = [4, 5];
    const { deliveries } = await groupTraffic(server.base, members, messages);
    await grownBy(readFanout, fanoutBefore, 'dino_deliveries_total', ACKED, deliveries);

    const [fanoutAfter, serverAfter] = await Promise.all([readFanout(), scrape(`${server.base}/metrics`)]);
    expect(serverAfter.count('dino_http_requests_total', SEND_ROUTE) - serverBefore.count('dino_http_requests_total', SEND_ROUTE)).toBe(messages);
    expect(fanoutAfter.count('dino_broadcasts_total', { event_type: 'message', result: 'ok' })
      - fanoutBefore.count('dino_broadcasts_total', { event_type: 'message', result: 'ok' })).toBe(messages);
    // 2 worker threads × 2 connections to the external broker, summed over the threads.
    await until('every publisher connection up', async () => (await readFanout()).value('dino_mqtt_connections', { state: 'connected' }) === 2 * 2);
    // The stream's backlog is seen from both; only the fan-out node has publishers.
    await until('the backlog to drain', async () => (await readFanout()).value('dino_stream_pending') === 0);
    expect(fanoutAfter.value('dino_stream_lag')).toBe(0);
    expect(serverAfter.value('dino_stream_lag')).toBe(0);
    expect(serverAfter.declares('dino_mqtt_connections')).toBe(false);
    expect(serverAfter.count('dino_deliveries_total', ACKED)).toBe(0);
  });
});
