import { scrape, type Scrape } from '../../test/support/metrics.js';

const FAMILY = 'dino_broadcast_duration_seconds';

/** What a run's broadcasts waited, from acceptance by the queue to their last PUBACK (Dino's own histogram). */
export interface BroadcastLag {
  broadcasts: number;
  meanMs: number;
  /** The upper bound of the histogram bucket the 99th percentile falls in. */
  p99AtMostMs: number;
}

/** The broadcast histogram of a Dino process, read before and after a run: what the run's broadcasts waited. */
export async function broadcastLagOf(base: string): Promise<() => Promise<BroadcastLag>> {
  const before = await scrape(`${base}/metrics`);
  return async () => lagBetween(before, await scrape(`${base}/metrics`));
}

function lagBetween(before: Scrape, after: Scrape): BroadcastLag {
  const grew = (name: string, labels: Record<string, string> = {}) => after.count(name, labels) - before.count(name, labels);
  const broadcasts = grew(`${FAMILY}_count`);
  if (broadcasts === 0) return { broadcasts, meanMs: Number.NaN, p99AtMostMs: Number.NaN };
  const bounds = after.labelSets(`${FAMILY}_bucket`).map((l) => l.le!).filter((le) => le !== '+Inf').map(Number).sort((a, b) => a - b);
  const p99 = bounds.find((le) => grew(`${FAMILY}_bucket`, { le: String(le) }) >= 0.99 * broadcasts);
  return { broadcasts, meanMs: (grew(`${FAMILY}_sum`) * 1000) / broadcasts, p99AtMostMs: p99 === undefined ? Number.POSITIVE_INFINITY : p99 * 1000 };
}
