import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Broadcast } from '../core/ports/queue.js';
import { EventTypeLabels } from './event-types.js';
import { backlogGauges, createFamilies, publisherGauges, type Families } from './families.js';
import { deliveredSoFar, healthFigures } from './figures.js';
import { HttpTallies } from './http-tally.js';
import type { FanOutRecorder, HealthFigures, HealthSource, HttpRecorder, MetricSources, QueueRecorder, RouteRecorder } from './recorders.js';

/**
 * One process's metrics: a prom-client registry with Dino's families and the default process metrics, and the
 * recorders the HTTP server, the queue and the fan-out are given. Figures of the worker threads and the queue's
 * backlog are read from their sources when a scrape asks.
 */
export class DinoMetrics implements HttpRecorder, FanOutRecorder, QueueRecorder, HealthSource {
  private readonly registry = new Registry();
  private readonly families: Families;
  private readonly eventTypes = new EventTypeLabels();
  private readonly http: HttpTallies;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.http = new HttpTallies(this.registry);
    this.families = createFamilies(this.registry);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every family. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The figures the web console shows, from the families above. */
  figures(): Promise<HealthFigures> {
    return healthFigures(this.registry, this.families);
  }

  delivered(): Promise<number> {
    return deliveredSoFar(this.families);
  }

  /** Adds the gauges of the parts this process runs (no publisher figures in `dino server`: it has none). */
  watch({ backlog, publishers }: MetricSources): void {
    if (backlog) backlogGauges(this.registry, backlog);
    if (publishers) publisherGauges(this.registry, publishers);
  }

  /** The HTTP families (dino_http_*), counted in plain numbers and read at each scrape (http-tally.ts). */
  route(route: string, method: string): RouteRecorder {
    return this.http.route(route, method);
  }

  /** Counted per broadcast attempt, with the recipient counts of all its shards at once. */
  attempted(broadcast: Broadcast, { ok, acked, unacked, acceptedAt }: { ok: boolean; acked: number; unacked: number; acceptedAt?: number }): void {
    const { broadcasts, deliveries, broadcastDuration } = this.families;
    broadcasts.inc({ event_type: this.eventTypes.label(broadcast), result: ok ? 'ok' : 'failed' });
    if (acked > 0) deliveries.inc({ result: 'acked' }, acked);
    if (unacked > 0) deliveries.inc({ result: 'unacked' }, unacked);
    // Clocks of two machines (Redis dates stream entries) may disagree by a little: never a negative duration.
    if (ok && acceptedAt !== undefined) broadcastDuration.observe(Math.max(0, Date.now() - acceptedAt) / 1000);
  }

  deadLettered(): void {
    this.families.deadLetters.inc();
  }
}
