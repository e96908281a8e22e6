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
