import type { BroadcastQueue } from './ports/queue.js';
import type { Storage } from './ports/storage.js';

/** What a sweep tells (this domain code never logs itself). */
export interface SweepReport {
  /** A pass removed `count` rows (called only when it removed some). */
  undone(count: number): void;
  /** A pass failed (the queue or the storage away); the next one tries again. */
  failed(err: unknown): void;
}

/**
 * Removes, every `everyMs`, the message rows of sends that never queued their broadcast (BroadcastQueue.undoLapsedSends):
 * their process died between the row and the queue. Every API process sweeps; each lapsed send is taken by one.
 */
export class LapsedSends {
  private readonly timer: NodeJS.Timeout;
  private sweeping: Promise<number> | null = null;

  constructor(private readonly queue: BroadcastQueue, private readonly storage: Storage, everyMs: number,
    private readonly report: SweepReport) {
    this.timer = setInterval(() => void this.sweep(), everyMs);
    this.timer.unref();
  }

  /** One pass (or the one under way); resolves with how many rows it removed, 0 if it failed. */
  sweep(): Promise<number> {
    this.sweeping ??= this.queue.undoLapsedSends(({ groupId, messageId }) => this.storage.deleteMessage(groupId, messageId))
      .then((undone) => {
        if (undone > 0) this.report.undone(undone);
        return undone;
      }, (err: unknown) => {
        this.report.failed(err);
        return 0;
      })
      .finally(() => {
        this.sweeping = null;
      });
    return this.sweeping;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }
}
