import type { Broadcast, QueueBacklog } from '../core/ports/queue.js';

/**
 * What the parts of Dino are given to count their work with (src/metrics/registry.ts implements them on
 * prom-client): small interfaces, so the HTTP server, the queues and the fan-out never import prom-client, and run
 * unmeasured with the no-op recorders below.
 */

/** One route (a registered pattern, never a raw URL) and method: label work happens once, when it is asked for. */
export interface RouteRecorder {
  answered(status: number, seconds: number): void;
}

export interface HttpRecorder {
  route(route: string, method: string): RouteRecorder;
}

export interface FanOutRecorder {
  /**
   * One attempt at a broadcast ended: `acked` recipients' PUBLISHes were acknowledged, `unacked` were not (after
   * every round). `ok`: the broadcast is delivered; `acceptedAt` (ms) then dates its queueing.
   */
  attempted(broadcast: Broadcast, outcome: { ok: boolean; acked: number; unacked: number; acceptedAt?: number }): void;
}

export interface QueueRecorder {
  /** A broadcast was given up on and moved to the dead letters. */
  deadLettered(): void;
}

/** The MQTT publisher connections of all publishing threads (embedded broker: its in-thread lanes), read when a scrape asks. */
export interface PublisherFigures {
  connected: number;
  disconnected: number;
  /** PUBLISHes sent and awaiting their PUBACK. */
  inflight: number;
}

/** Figures read at scrape time, from the parts this process runs. */
export interface MetricSources {
  backlog?: () => Promise<QueueBacklog>;
  publishers?: () => Promise<PublisherFigures>;
}

/**
 * This process's figures as numbers (the web console's System panel): deliveries and dead letters since start, the
 * queue's backlog (null where it cannot be read), and the publishers, null in a process without fan-out workers.
 */
export interface HealthFigures {
  delivered: number;
  undelivered: number;
  deadLetters: number;
  pending: number | null;
  lag: number | null;
  publishers: { connected: number; disconnected: number; inflight: number | null } | null;
}

export interface HealthSource {
  figures(): Promise<HealthFigures>;
  /** Just the acknowledged deliveries since start: cheap enough to sample every few seconds (no gauge is read). */
  delivered(): Promise<number>;
}

/** What an endpoint serves: the Prometheus text of every family, and its content type. */
export interface Exposition {
  readonly contentType: string;
  text(): Promise<string>;
}

export const noRouteRecorder: RouteRecorder = { answered: () => undefined };
export const noHttpRecorder: HttpRecorder = { route: () => noRouteRecorder };
export const noFanOutRecorder: FanOutRecorder = { attempted: () => undefined };
export const noQueueRecorder: QueueRecorder = { deadLettered: () => undefined };
