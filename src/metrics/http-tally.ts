import type { Metric, MetricValueWithName, Registry } from 'prom-client';
import type { HttpRecorder, RouteRecorder } from './recorders.js';

/** Request latencies: a millisecond up to ten seconds. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const REQUESTS = 'dino_http_requests_total';
const DURATION = 'dino_http_request_duration_seconds';

/** One route and method's answers so far: by status, and their durations in HTTP_BUCKETS (not cumulative here). */
class RouteTally implements RouteRecorder {
  readonly statuses = new Map<number, number>();
  readonly buckets = new Float64Array(HTTP_BUCKETS.length + 1);
  sum = 0;

  constructor(readonly route: string, readonly method: string) {}

  answered(status: number, seconds: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    this.sum += seconds;
    let i = 0;
    while (i < HTTP_BUCKETS.length && seconds > HTTP_BUCKETS[i]!) i++;
    this.buckets[i]!++;
  }
}

/**
 * `dino_http_requests_total` and `dino_http_request_duration_seconds`, counted on the request path in plain numbers
 * (a map lookup and a few additions per answer) and turned into samples only when Prometheus scrapes. prom-client's
 * labelled `inc()` and `observe()` hash their labels on every call, a few microseconds per request that the profile
 * of the send path showed (bench/send-cpu-cassandra.ts --profile).
 */
export class HttpTallies implements HttpRecorder {
  private readonly tallies: RouteTally[] = [];

  constructor(registry: Registry) {
    registry.registerMetric(this.metric(REQUESTS, 'counter',
      'HTTP requests answered, by route pattern ("unknown" for no route), method and status', () => this.requestSamples()));
    registry.registerMetric(this.metric(DURATION, 'histogram',
      'Time from a request\'s arrival to its answer, by route pattern', () => this.durationSamples()));
  }

  /** The recorder of one route and method; the server asks once per registered route. */
  route(route: string, method: string): RouteRecorder {
    let tally = this.tallies.find((t) => t.route === route && t.method === method);
    if (!tally) this.tallies.push((tally = new RouteTally(route, method)));
    return tally;
  }

  private requestSamples(): MetricValueWithName<string>[] {
    return this.tallies.flatMap((t) => [...t.statuses].map(([status, value]) =>
      ({ labels: { route: t.route, method: t.method, status: String(status) }, value })));
  }

  /** Per route (all its methods together), cumulative buckets, then sum and count, as Prometheus reads a histogram. */
  private durationSamples(): MetricValueWithName<string>[] {
    const byRoute = new Map<string, { buckets: number[]; sum: number }>();
    for (const t of this.tallies) {
      const seen = byRoute.get(t.route) ?? { buckets: new Array<number>(HTTP_BUCKETS.length + 1).fill(0), sum: 0 };
      t.buckets.forEach((n, i) => (seen.buckets[i]! += n));
      seen.sum += t.sum;
      byRoute.set(t.route, seen);
    }
    return [...byRoute].flatMap(([route, { buckets, sum }]) => {
      let cumulative = 0;
      const samples: MetricValueWithName<string>[] = buckets.map((n, i) => {
        cumulative += n;
        return { metricName: `${DURATION}_bucket`, labels: { route, le: i < HTTP_BUCKETS.length ? HTTP_BUCKETS[i]! : '+Inf' }, value: cumulative };
      });
      samples.push({ metricName: `${DURATION}_sum`, labels: { route }, value: sum });
      samples.push({ metricName: `${DURATION}_count`, labels: { route }, value: cumulative });
      return samples;
    });
  }

  /** A family prom-client's registry shows like its own: it asks `get()` at each scrape. */
  private metric(name: string, type: 'counter' | 'histogram', help: string, values: () => MetricValueWithName<string>[]): Metric {
    const family = {
      name, help, type, aggregator: 'sum',
      get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
      reset: () => {
        for (const t of this.tallies) {
          t.statuses.clear();
          t.buckets.fill(0);
          t.sum = 0;
        }
      },
    };
    // Not one of prom-client's classes, but what its registry asks of a family: name, help, type, get() and reset().
    return family as unknown as Metric;
  }
}
