/** How often deliveries are counted, and how many of those counts are kept: ten minutes. */
export const SAMPLE_SECONDS = 5;
const SAMPLES = 120;

/**
 * Deliveries per second over the last minutes, for the console's System panel: the process's delivered total is
 * read every SAMPLE_SECONDS, whether or not a page is open, so the chart has a past the moment one opens. A read
 * costs one counter lookup.
 */
export class DeliveryHistory {
  private readonly rates: number[] = [];
  private last: { total: number; at: number } | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly delivered: () => Promise<number>) {
    this.timer = setInterval(() => void this.sample(), SAMPLE_SECONDS * 1000);
    this.timer.unref(); // a sampler never keeps the process alive
    void this.sample();
  }

  /** Deliveries per second in each interval, oldest first. */
  perSecond(): number[] {
    return [...this.rates];
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    const at = Date.now();
    const total = await this.delivered().catch(() => undefined);
    if (total === undefined) return; // the next rate then spans both intervals
    if (this.last !== undefined) this.rates.push(Math.max(0, total - this.last.total) / ((at - this.last.at) / 1000));
    if (this.rates.length > SAMPLES) this.rates.shift();
    this.last = { total, at };
  }
}
