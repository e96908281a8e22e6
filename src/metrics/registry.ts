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
  /**
   * Broadcast attempts and recipients not yet added to their counters: counted here in plain numbers, added when the
   * counters are read (see flushAttempts). prom-client's labelled inc() hashes its labels on every call.
   */
  private readonly attempts = new Map<string, { ok: number; failed: number }>();
  private readonly recipients = { acked: 0, unacked: 0 };

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.http = new HttpTallies(this.registry);
    this.families = createFamilies(this.registry, () => this.flushAttempts());
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
    const label = this.eventTypes.label(broadcast);
    let tally = this.attempts.get(label);
    if (!tally) this.attempts.set(label, (tally = { ok: 0, failed: 0 }));
    if (ok) tally.ok++;
    else tally.failed++;
    this.recipients.acked += acked;
    this.recipients.unacked += unacked;
    // Clocks of two machines (Redis dates stream entries) may disagree by a little: never a negative duration.
    if (ok && acceptedAt !== undefined) this.families.broadcastDuration.observe(Math.max(0, Date.now() - acceptedAt) / 1000);
  }

  /** Adds what attempted() counted since the last read to dino_broadcasts_total and dino_deliveries_total. */
  private flushAttempts(): void {
    const { broadcasts, deliveries } = this.families;
    for (const [eventType, tally] of this.attempts) {
      if (tally.ok > 0) broadcasts.inc({ event_type: eventType, result: 'ok' }, tally.ok);
      if (tally.failed > 0) broadcasts.inc({ event_type: eventType, result: 'failed' }, tally.failed);
      tally.ok = tally.failed = 0;
    }
    for (const result of ['acked', 'unacked'] as const) {
      if (this.recipients[result] > 0) deliveries.inc({ result }, this.recipients[result]);
      this.recipients[result] = 0;
    }
  }

  deadLettered(): void {
    this.families.deadLetters.inc();
  }
}
