/** A figure measured over several runs: its median, with the spread shown as min and max. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  /** Every run's value, in run order; NaN where a run produced none (JSON: null). */
  runs: number[];
}

/** The q-quantile (0..1) of values already sorted ascending, nearest-rank. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function percentile(values: number[], q: number): number {
  return quantileSorted(Float64Array.from(values).sort(), q);
}

export function median(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median, min and max of the runs that produced a value (undefined or NaN runs are left out). */
export function figure(values: Array<number | undefined>): Figure {
  const runs = values.map((v) => v ?? Number.NaN);
  const valid = runs.filter(Number.isFinite);
  if (valid.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs };
  return { median: median(valid), min: Math.min(...valid), max: Math.max(...valid), runs };
}

/**
 * Dino over its baseline, run by run: each run's pair was measured back to back, so the ratio of a pair is less
 * exposed to the machine's slow patches than the ratio of two medians.
 */
export function ratioFigure(dino: Figure, baseline: Figure, higherIsBetter = true): Figure {
  const n = Math.min(dino.runs.length, baseline.runs.length);
  const ratios = Array.from({ length: n }, (_, i) =>
    higherIsBetter ? dino.runs[i]! / baseline.runs[i]! : baseline.runs[i]! / dino.runs[i]!);
  return figure(ratios);
}

/**
 * Latencies counted in 10 µs buckets up to 10 s (longer ones count as 10 s): percentiles to a hundredth of a
 * millisecond in a fixed 4 MB, however long the run. autocannon's own histogram keeps whole milliseconds, which
 * makes a sub-millisecond median read 0 or 1 ms and a p99 / p50 ratio meaningless; the raw baselines time their
 * operations with performance.now(), so every figure of a report now has the same resolution.
 */
export class LatencyHistogram {
  private static readonly BUCKET_US = 10;
  private readonly counts = new Uint32Array(1_000_000);
  private total = 0;

  record(ms: number): void {
    // In whole microseconds: 0.29 / 0.01 is 28.999… in binary floating point.
    const bucket = Math.min(this.counts.length - 1, Math.max(0, Math.floor(Math.round(ms * 1000) / LatencyHistogram.BUCKET_US)));
    this.counts[bucket]!++;
    this.total++;
  }

  get count(): number {
    return this.total;
  }

  /** Nearest-rank q-quantile (0..1), as quantileSorted; a bucket reads as its upper bound. NaN when empty. */
  quantile(q: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.min(this.total, Math.max(1, Math.ceil(q * this.total)));
    let seen = 0;
    for (let bucket = 0; bucket < this.counts.length; bucket++) {
      seen += this.counts[bucket]!;
      if (seen >= rank) return ((bucket + 1) * LatencyHistogram.BUCKET_US) / 1000;
    }
    return Number.NaN;
  }
}
