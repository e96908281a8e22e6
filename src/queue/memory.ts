import type { Broadcast, BroadcastHandler, BroadcastQueue } from './port.js';
import { logger } from '../log.js';

interface Entry {
  broadcast: Broadcast;
  attempts: number;
}

export interface MemoryQueueOptions {
  /** Attempts before an entry is given up (logged as a dead letter). */
  maxAttempts?: number;
  /** Delay before the first retry; doubles each time. */
  retryDelayMs?: number;
}

/**
 * The embedded queue: entries live in this process and are retried until the handler succeeds, with the same
 * at-least-once promise as the Redis adapter for as long as the process lives.
 */
export class MemoryQueue implements BroadcastQueue {
  readonly kind = 'memory';
  readonly deadLetters: Array<{ broadcast: Broadcast; reason: string }> = [];
  private readonly pending: Entry[] = [];
  private readonly inHand = new Set<Promise<void>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private handler: BroadcastHandler | null = null;
  private concurrency = 4;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;

  constructor(options: MemoryQueueOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 200;
  }

  async enqueue(broadcast: Broadcast): Promise<void> {
    this.pending.push({ broadcast, attempts: 0 });
    this.pump();
  }

  startConsuming(handler: BroadcastHandler, options: { concurrency?: number } = {}): void {
    this.handler = handler;
    this.concurrency = options.concurrency ?? this.concurrency;
    this.pump();
  }

  async stopConsuming(): Promise<void> {
    // Entries waiting for a retry are finished too: stopping must not strand accepted work.
    while (this.inHand.size > 0 || this.retryTimers.size > 0 || (this.handler && this.pending.length > 0)) {
      if (this.inHand.size > 0) await Promise.race(this.inHand);
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.handler = null;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    await this.stopConsuming();
    if (this.pending.length > 0) logger.warn({ entries: this.pending.length }, 'queue closed with unconsumed entries');
  }

  /** Entries accepted and not yet handled. */
  get depth(): number {
    return this.pending.length + this.inHand.size + this.retryTimers.size;
  }

  private pump(): void {
    const handler = this.handler;
    while (handler && this.inHand.size < this.concurrency && this.pending.length > 0) {
      const entry = this.pending.shift()!;
      const task = this.handle(handler, entry).finally(() => {
        this.inHand.delete(task);
        this.pump();
      });
      this.inHand.add(task);
    }
  }

  private async handle(handler: BroadcastHandler, entry: Entry): Promise<void> {
    entry.attempts++;
    try {
      await handler(entry.broadcast);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (entry.attempts >= this.maxAttempts) {
        this.deadLetters.push({ broadcast: entry.broadcast, reason });
        logger.error({ err, attempts: entry.attempts, recipients: entry.broadcast.userIds.length },
          'broadcast dead-lettered');
        return;
      }
      logger.warn({ err, attempts: entry.attempts }, 'broadcast failed, will retry');
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.pending.unshift(entry);
        this.pump();
      }, this.retryDelayMs * 2 ** (entry.attempts - 1));
      this.retryTimers.add(timer);
    }
  }
}
