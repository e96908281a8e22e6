import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeliveryHistory, SAMPLE_SECONDS } from '../../src/http/console/history.js';

describe('the console\'s deliveries per second', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('are the delivered total\'s growth over each interval, oldest first, ten minutes of them at most', async () => {
    vi.useFakeTimers();
    let total = 0;
    const history = new DeliveryHistory(async () => total);
    await vi.advanceTimersByTimeAsync(0); // the first reading, at start: no rate yet
    expect(history.perSecond()).toEqual([]);
    total = 50;
    await vi.advanceTimersByTimeAsync(SAMPLE_SECONDS * 1000);
    total = 50;
    await vi.advanceTimersByTimeAsync(SAMPLE_SECONDS * 1000);
    expect(history.perSecond()).toEqual([50 / SAMPLE_SECONDS, 0]);
    for (let i = 0; i < 200; i++) {
      total += 5 * SAMPLE_SECONDS;
      await vi.advanceTimersByTimeAsync(SAMPLE_SECONDS * 1000);
    }
    expect(history.perSecond()).toHaveLength((10 * 60) / SAMPLE_SECONDS);
    expect(new Set(history.perSecond())).toEqual(new Set([5]));
    history.stop();
  });

  it('skip a reading that fails instead of inventing a figure: the next spans both intervals', async () => {
    vi.useFakeTimers();
    const readings = [async () => 10, async () => Promise.reject(new Error('thread gone')), async () => 30];
    const history = new DeliveryHistory(() => (readings.shift() ?? (async () => 30))());
    await vi.advanceTimersByTimeAsync(2 * SAMPLE_SECONDS * 1000);
    expect(history.perSecond()).toEqual([20 / (2 * SAMPLE_SECONDS)]);
    history.stop();
  });
});
