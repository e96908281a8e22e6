import { logger } from '../log.js';

const INTERVAL_MS = 10_000;
const SAMPLE = 5;

/**
 * Counts events of one kind per key (a client id, an address) and logs one line per interval naming the total, how
 * many keys and a few of them: a flood of refusals makes a line every ten seconds, not one per refusal.
 */
export class Tally {
  private readonly counts = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly message: string, private readonly context: Record<string, unknown>) {
    this.timer = setInterval(() => this.flush(), INTERVAL_MS).unref();
  }

  count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  flush(): void {
    if (this.counts.size === 0) return;
    let total = 0;
    for (const n of this.counts.values()) total += n;
    logger.warn({ ...this.context, total, keys: this.counts.size, sample: [...this.counts.keys()].slice(0, SAMPLE) }, this.message);
    this.counts.clear();
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
