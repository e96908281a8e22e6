import { logger } from '../../log.js';

export type DroppedEnd = 'oldest' | 'newest';

/**
 * Counts the messages dropped from full session queues (DINO_MQTT_MAX_QUEUED) and says so in a log line: the first
 * drop at once, then one line per `everyMs` at most with what was dropped since, so a broadcast to thousands of full
 * queues is one line, not thousands.
 */
export class QueueDrops {
  /** Every drop since the start, by end. */
  readonly total: Record<DroppedEnd, number> = { oldest: 0, newest: 0 };
  private window: Record<DroppedEnd, number> = { oldest: 0, newest: 0 };
  private sessions = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly maxQueued: number, private readonly everyMs = 10_000) {}

  count(clientId: string, end: DroppedEnd): void {
    this.total[end]++;
    this.window[end]++;
    this.sessions.add(clientId);
    if (this.timer) return;
    this.report();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.report();
    }, this.everyMs).unref();
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.report();
  }

  private report(): void {
    const { oldest, newest } = this.window;
    if (oldest + newest === 0) return;
    logger.warn({ droppedOldest: oldest, droppedNewest: newest, sessions: this.sessions.size,
      examples: [...this.sessions].slice(0, 5), maxQueued: this.maxQueued },
    'mqtt session queue full (DINO_MQTT_MAX_QUEUED): dropped its oldest queued message to make room '
      + '(the new one, when all queued ones were already sent and awaiting PUBACK)');
    this.window = { oldest: 0, newest: 0 };
    this.sessions = new Set();
  }
}
