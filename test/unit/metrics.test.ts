import { describe, expect, it } from 'vitest';
import { DINO_EVENT_TYPES } from '../../src/core/events.js';
import { EventTypeLabels, MAX_CALLER_EVENT_TYPES } from '../../src/metrics/event-types.js';
import { DinoMetrics } from '../../src/metrics/registry.js';
import { Scrape } from '../support/metrics.js';

/** The families README's "Metrics" promises, by exact name: dashboards and the autoscaler rely on them. */
const FAMILIES = ['dino_http_requests_total', 'dino_http_request_duration_seconds', 'dino_broadcasts_total', 'dino_deliveries_total',
  'dino_broadcast_duration_seconds', 'dino_stream_pending', 'dino_stream_lag', 'dino_dead_letters_total', 'dino_mqtt_connections',
  'dino_mqtt_inflight'];

const broadcast = (eventType?: string, payload = '{}') => ({ payload, userIds: [1], ...(eventType === undefined ? {} : { eventType }) });
const read = async (metrics: DinoMetrics) => Scrape.parse(await metrics.text());

describe('event type labels', () => {
  it('names Dino\'s own types always, the first caller-chosen ones, and the rest "other"', () => {
    const labels = new EventTypeLabels();
    const callerTypes = Array.from({ length: MAX_CALLER_EVENT_TYPES + 5 }, (_, i) => `custom-${i}`);
    const named = callerTypes.map((type) => labels.label(broadcast(type)));
    expect(named.slice(0, MAX_CALLER_EVENT_TYPES)).toEqual(callerTypes.slice(0, MAX_CALLER_EVENT_TYPES));
    expect(new Set(named.slice(MAX_CALLER_EVENT_TYPES))).toEqual(new Set(['other']));
    expect(labels.label(broadcast('custom-3'))).toBe('custom-3'); // one already named keeps its name
    for (const type of DINO_EVENT_TYPES) expect(labels.label(broadcast(type))).toBe(type);
  });

  it('reads the type from the payload of a broadcast queued without one', () => {
    const labels = new EventTypeLabels();
    expect(labels.label(broadcast(undefined, '{"data":{"event_type":"inner"},"event_type":"message"}'))).toBe('message');
    expect(labels.label(broadcast(undefined, 'not json'))).toBe('unknown');
  });
});

describe('DinoMetrics', () => {
  it('exports every family by its exact name, with the process metrics', async () => {
    const metrics = new DinoMetrics();
    metrics.watch({ backlog: async () => ({ pending: 3, lag: 7 }), publishers: async () => ({ connected: 3, disconnected: 1, inflight: 12 }) });
    const scrape = await read(metrics);
    for (const family of FAMILIES) expect(scrape.declares(family), family).toBe(true);
    expect(scrape.value('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(scrape.value('dino_stream_pending')).toBe(3);
    expect(scrape.value('dino_stream_lag')).toBe(7);
    expect(scrape.value('dino_mqtt_connections', { state: 'connected' })).toBe(3);
    expect(scrape.value('dino_mqtt_connections', { state: 'disconnected' })).toBe(1);
    expect(scrape.value('dino_mqtt_inflight')).toBe(12);
    expect(scrape.value('dino_deliveries_total', { result: 'acked' })).toBe(0);
  });

  it('counts broadcast attempts with their recipients, and times the delivered ones from acceptance', async () => {
    const metrics = new DinoMetrics();
    metrics.attempted(broadcast('message'), { ok: true, acked: 40, unacked: 0, acceptedAt: Date.now() - 250 });
    metrics.attempted(broadcast('message'), { ok: false, acked: 30, unacked: 10, acceptedAt: Date.now() });
    metrics.attempted(broadcast('group'), { ok: true, acked: 5, unacked: 0 }); // acceptance unknown: not timed
    metrics.deadLettered();
    const scrape = await read(metrics);
    expect(scrape.value('dino_broadcasts_total', { event_type: 'message', result: 'ok' })).toBe(1);
    expect(scrape.value('dino_broadcasts_total', { event_type: 'message', result: 'failed' })).toBe(1);
    expect(scrape.value('dino_broadcasts_total', { event_type: 'group', result: 'ok' })).toBe(1);
    expect(scrape.value('dino_deliveries_total', { result: 'acked' })).toBe(75);
    expect(scrape.value('dino_deliveries_total', { result: 'unacked' })).toBe(10);
    expect(scrape.value('dino_broadcast_duration_seconds_count')).toBe(1);
    expect(scrape.value('dino_broadcast_duration_seconds_bucket', { le: '0.1' })).toBe(0);
    expect(scrape.value('dino_broadcast_duration_seconds_bucket', { le: '0.5' })).toBe(1);
    expect(scrape.value('dino_dead_letters_total')).toBe(1);
  });

  it('counts requests by route, method and status, and times them by route', async () => {
    const metrics = new DinoMetrics();
    const group = metrics.route('/v1/groups/:group_id', 'GET');
    group.answered(200, 0.002);
    group.answered(200, 0.02);
    group.answered(400, 0.001);
    metrics.route('unknown', 'GET').answered(404, 0.0001);
    const scrape = await read(metrics);
    expect(scrape.value('dino_http_requests_total', { route: '/v1/groups/:group_id', method: 'GET', status: '200' })).toBe(2);
    expect(scrape.value('dino_http_requests_total', { route: '/v1/groups/:group_id', method: 'GET', status: '400' })).toBe(1);
    expect(scrape.value('dino_http_requests_total', { route: 'unknown', method: 'GET', status: '404' })).toBe(1);
    expect(scrape.value('dino_http_request_duration_seconds_count', { route: '/v1/groups/:group_id' })).toBe(3);
    expect(scrape.value('dino_http_request_duration_seconds_bucket', { route: '/v1/groups/:group_id', le: '0.01' })).toBe(2);
  });

  it('times a route over all its methods, with cumulative buckets, +Inf, sum and count', async () => {
    const metrics = new DinoMetrics();
    metrics.route('/v1/groups/:group_id', 'GET').answered(200, 0.0005);
    metrics.route('/v1/groups/:group_id', 'PUT').answered(200, 0.3);
    metrics.route('/v1/groups/:group_id', 'PUT').answered(503, 42);
    const scrape = await read(metrics);
    const bucket = (le: string) => scrape.value('dino_http_request_duration_seconds_bucket', { route: '/v1/groups/:group_id', le });
    expect([bucket('0.001'), bucket('0.25'), bucket('0.5'), bucket('10'), bucket('+Inf')]).toEqual([1, 1, 2, 2, 3]);
    expect(scrape.value('dino_http_request_duration_seconds_count', { route: '/v1/groups/:group_id' })).toBe(3);
    expect(scrape.value('dino_http_request_duration_seconds_sum', { route: '/v1/groups/:group_id' })).toBeCloseTo(42.3005);
    expect(scrape.value('dino_http_requests_total', { route: '/v1/groups/:group_id', method: 'PUT', status: '503' })).toBe(1);
  });

  it('reads each source once per scrape, and afresh at every scrape', async () => {
    const metrics = new DinoMetrics();
    let reads = 0;
    metrics.watch({ publishers: async () => ({ connected: ++reads, disconnected: 0, inflight: reads }) });
    expect((await read(metrics)).value('dino_mqtt_inflight')).toBe(1);
    const second = await read(metrics);
    expect(second.value('dino_mqtt_connections', { state: 'connected' })).toBe(2);
    expect(second.value('dino_mqtt_inflight')).toBe(2);
    expect(reads).toBe(2);
  });

  it('shows no figure it could not read, and no gauges of parts the process does not run', async () => {
    const metrics = new DinoMetrics();
    metrics.watch({ backlog: () => Promise.reject(new Error('Redis is away')) });
    const scrape = await read(metrics);
    expect(scrape.value('dino_stream_pending')).toBeNaN();
    expect(scrape.value('dino_stream_lag')).toBeNaN();
    expect(scrape.declares('dino_mqtt_connections')).toBe(false);

    metrics.watch({ publishers: () => {
      throw new Error('the pool is closed');
    } });
    const later = await read(metrics);
    expect(later.labelSets('dino_mqtt_connections')).toEqual([]);
    expect(later.value('dino_mqtt_inflight')).toBeNaN();
  });
});
