import { describe, expect, it } from 'vitest';
import { LatencyHistogram, quantileSorted } from '../../bench/stats.js';

describe('bench latency histogram', () => {
  it('reads the same nearest-rank quantiles as a sorted array, to 0.01 ms', () => {
    const values = Array.from({ length: 10_001 }, (_, i) => ((i * 7919) % 10_001) / 1000); // 0 … 10 ms, shuffled
    const histogram = new LatencyHistogram();
    for (const v of values) histogram.record(v);
    const sorted = Float64Array.from(values).sort();
    for (const q of [0.01, 0.5, 0.9, 0.99, 1]) {
      expect(histogram.quantile(q)).toBeGreaterThanOrEqual(quantileSorted(sorted, q));
      expect(histogram.quantile(q)).toBeLessThanOrEqual(quantileSorted(sorted, q) + 0.01);
    }
    expect(histogram.count).toBe(10_001);
  });

  it('keeps sub-millisecond figures apart and counts the very long at its 10 s bound', () => {
    const histogram = new LatencyHistogram();
    for (let i = 0; i < 97; i++) histogram.record(0.42);
    histogram.record(0.29);
    histogram.record(3.5);
    histogram.record(60_000);
    expect(histogram.quantile(0.5)).toBe(0.43);
    expect(histogram.quantile(0.01)).toBe(0.3); // 0.29 counts in [0.29, 0.30), as 0.42 in [0.42, 0.43)
    expect(histogram.quantile(0.99)).toBe(3.51);
    expect(histogram.quantile(1)).toBe(10_000);
    expect(new LatencyHistogram().quantile(0.5)).toBeNaN();
  });
});
