import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { QueueBacklog } from '../core/ports/queue.js';
import { logger } from '../log.js';
import type { PublisherFigures } from './recorders.js';

/** Accepted → last PUBACK: a few ms for a small group, minutes for a backlog or retries. */
const BROADCAST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The families counted as work happens, named exactly as README's "Metrics" lists them (dashboards rely on them).
 * `beforeRead`: called whenever the broadcast and delivery counters are read (a scrape, the console), for counts kept
 * elsewhere in the meantime to be added first.
 */
export function createFamilies(registry: Registry, beforeRead: () => void = () => undefined) {
  const registers = [registry];
  const families = {
    broadcasts: new Counter({ name: 'dino_broadcasts_total', help: 'Attempts at fanning a broadcast out, by event type and result (ok|failed)',
      labelNames: ['event_type', 'result'] as const, registers, collect: beforeRead }),
    deliveries: new Counter({ name: 'dino_deliveries_total', help: 'Recipients of broadcast attempts whose PUBLISH the broker acknowledged (acked) or not (unacked)',
      labelNames: ['result'] as const, registers, collect: beforeRead }),
    broadcastDuration: new Histogram({ name: 'dino_broadcast_duration_seconds', help: 'Time from a broadcast\'s acceptance by the queue to its last PUBACK',
      buckets: BROADCAST_BUCKETS, registers }),
    deadLetters: new Counter({ name: 'dino_dead_letters_total', help: 'Broadcasts given up on and moved to the dead letters', registers }),
  };
  for (const result of ['acked', 'unacked']) families.deliveries.inc({ result }, 0);
  return families;
}

export type Families = ReturnType<typeof createFamilies>;

/** The queue's backlog, read at each scrape: in a process that has a queue (every role). */
export function backlogGauges(registry: Registry, read: () => Promise<QueueBacklog>): void {
  const backlog = sharedRead('queue backlog', read);
  gauge(registry, 'dino_stream_pending', 'Queue entries handed to a consumer and not yet acknowledged (in-process queue: all not yet delivered)',
    backlog, (b, set) => set(b.pending));
  gauge(registry, 'dino_stream_lag', 'Queue entries not yet handed to any consumer (in-process queue: 0)', backlog, (b, set) => set(b.lag));
}

/** The worker threads' publisher connections, read at each scrape: in a process that fans out. */
export function publisherGauges(registry: Registry, read: () => Promise<PublisherFigures>): void {
  const publishers = sharedRead('MQTT publishers', read);
  gauge(registry, 'dino_mqtt_connections', 'MQTT publisher connections of all publishing threads (with the embedded broker: its in-thread lanes), by state (connected|disconnected)', publishers,
    (p, set) => {
      set(p.connected, { state: 'connected' });
      set(p.disconnected, { state: 'disconnected' });
    }, ['state']);
  gauge(registry, 'dino_mqtt_inflight', 'PUBLISHes awaiting their PUBACK (embedded broker: their delivery), over all publishing threads', publishers, (p, set) => set(p.inflight));
}

type SetValue = (value: number, labels?: Record<string, string>) => void;

/**
 * A gauge read from `source` at each scrape. When the source fails (Redis away, a thread ending), the gauge says
 * it does not know: NaN, or no sample at all for a labelled one, never a stale or made-up figure.
 */
function gauge<T>(registry: Registry, name: string, help: string, source: () => Promise<T | undefined>,
  show: (figures: T, set: SetValue) => void, labelNames: string[] = []): void {
  new Gauge({
    name, help, labelNames, registers: [registry],
    async collect() {
      this.reset();
      const figures = await source();
      if (figures !== undefined) show(figures, (value, labels) => (labels ? this.set(labels, value) : this.set(value)));
      else if (labelNames.length === 0) this.set(Number.NaN);
    },
  });
}

/**
 * `read`, shared by the calls made while it is under way: a scrape collects every family at once, so the two
 * gauges of one source read it once per scrape. A failure is logged and reads as undefined.
 */
function sharedRead<T>(what: string, read: () => Promise<T>): () => Promise<T | undefined> {
  let underWay: Promise<T | undefined> | undefined;
  // Through a promise, so that a read that throws at once fails like one that rejects.
  return () => underWay ??= Promise.resolve().then(read)
    .catch((err: unknown) => {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, `metrics: could not read the ${what}`);
      return undefined;
    })
    .finally(() => (underWay = undefined));
}
