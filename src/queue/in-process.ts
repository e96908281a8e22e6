import type { Broadcast, BroadcastHandler, BroadcastQueue, QueueBacklog } from '../core/ports/queue.js';
import { Errors } from '../core/errors.js';
import type { QueueConfig } from '../config.js';
import { logger } from '../log.js';
import { noQueueRecorder, type QueueRecorder } from '../metrics/recorders.js';
import type { QueueJournal } from './sqlite-journal.js';
import { Fifo } from '../fifo.js';

interface Entry {
  broadcast: Broadcast;
  attempts: number;
  /** Its row in the journal, when there is one. */
  journalId?: number;
  /** When it was accepted (ms); unknown for entries left by a previous run. */
  acceptedAt?: number;
}

export interface InProcessQueueOptions {
  /** Delay before the first retry; doubles each time. */
  retryDelayMs?: number;
  /** Keeps accepted entries on disk until delivered, so a crash or a stop loses none of them. */
  journal?: QueueJournal;
  /** Counts what is dead-lettered. */
  metrics?: QueueRecorder;
}

/**
 * The embedded queue: entries are handled in this process and retried until the handler succeeds. With a journal
 * every accepted entry is on disk until delivered, and entries left by a previous run are delivered first: the same
 * at-least-once promise as the Redis adapter, for a single process. Without one, entries last as long as the process.
 */
export class InProcessQueue implements BroadcastQueue {
  readonly kind = 'in-process';
  readonly deadLetters: Array<{ broadcast: Broadcast; reason: string }> = [];
  private readonly pending = new Fifo<Entry>();
  private readonly inHand = new Set<Promise<void>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private handler: BroadcastHandler | null = null;
  private concurrency = 4;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly journal?: QueueJournal;
  private readonly maxPendingRecipients: number;
  private pendingRecipients = 0;
  private readonly metrics: QueueRecorder;

  constructor(settings: QueueConfig, options: InProcessQueueOptions = {}) {
    this.maxAttempts = settings.maxAttempts;
    this.maxPendingRecipients = settings.maxRecipients;
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.journal = options.journal;
    this.metrics = options.metrics ?? noQueueRecorder;
    for (const { id, broadcast } of this.journal?.pending() ?? []) this.accept({ broadcast, attempts: 0, journalId: id });
    if (this.pending.length > 0) logger.info({ entries: this.pending.length }, 'delivering broadcasts left by the previous run');
  }

  async enqueue(broadcast: Broadcast): Promise<void> {
    this.refuseIfFull(broadcast);
    this.admit(broadcast, await this.journal?.append(broadcast));
  }

  /**
   * None: beside SQLite storage the row and the journal's entry commit together; beside other storage (a journal in a
   * file of its own) the journal keeps no intents (README, What a send writes).
   */
  undoLapsedSends(): Promise<number> {
    return Promise.resolve(0);
  }

  async enqueueAfter(write: () => Promise<unknown>, broadcast: Broadcast): Promise<void> {
    const journal = this.journal;
    if (!journal?.sharesCommits) {
      await write();
      return this.enqueue(broadcast);
    }
    this.refuseIfFull(broadcast); // before anything is written
    // The storage's writes hand themselves to the shared commit as they are called: they and the journal's row go
    // in one transaction, which commits both or neither.
    let written: Promise<unknown> | undefined;
    let appended: Promise<number>;
    try {
      appended = journal.together(() => {
        written = write();
        return journal.append(broadcast, { withMessageRow: broadcast.stored !== undefined });
      });
    } catch (err) {
      // The journal refused the row at once: the write, dropped with it, fails too, and nobody else waits for it.
      written?.catch(() => undefined);
      throw err;
    }
    // Both settle; the write's failure is the one told. Not Promise.allSettled: V8 makes its result objects in the
    // runtime, 5 000 instructions a send (bench/send-instructions.ts).
    let writeFailed = false;
    let writeError: unknown;
    const writeSettled = written!.then(() => undefined, (err: unknown) => {
      writeFailed = true;
      writeError = err;
    });
    let journalId: number;
    try {
      journalId = await appended;
    } catch (err) {
      await writeSettled;
      throw writeFailed ? writeError : err;
    }
    await writeSettled;
    if (writeFailed) {
      // A write that failed before it reached the commit leaves the row alone: withdrawn before the caller hears.
      await journal.withdraw(journalId);
      throw writeError;
    }
    this.admit(broadcast, journalId);
  }

  /** A broadcast just kept (in the journal, when there is one): waiting for its turn from now on. */
  private admit(broadcast: Broadcast, journalId: number | undefined): void {
    this.accept({ broadcast, attempts: 0, journalId, acceptedAt: Date.now() });
    this.pump();
  }

  private refuseIfFull(broadcast: Broadcast): void {
    if (this.pendingRecipients > 0 && this.pendingRecipients + broadcast.userIds.length > this.maxPendingRecipients) {
      throw Errors.queueFull(`${this.pendingRecipients} recipients waiting`);
    }
  }

  private accept(entry: Entry): void {
    this.pending.push(entry);
    this.pendingRecipients += entry.broadcast.userIds.length;
  }

  startConsuming(handler: BroadcastHandler, options: { concurrency?: number } = {}): void {
    this.handler = handler;
    this.concurrency = options.concurrency ?? this.concurrency;
    this.pump();
  }

  async stopConsuming(): Promise<void> {
    // Journaled entries not yet started wait on disk for the next start; without a journal they would be lost, so
    // everything accepted, retries included, is finished first.
    const drain = () => !this.journal && (this.retryTimers.size > 0 || (this.handler !== null && this.pending.length > 0));
    if (this.journal) this.handler = null;
    while (this.inHand.size > 0 || drain()) {
      if (this.inHand.size > 0) await Promise.race(this.inHand);
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.handler = null;
  }

  async ping(): Promise<void> {}

  /** Everything accepted and not yet delivered counts as pending: waiting, in hand, or waiting to be retried. */
  async backlog(): Promise<QueueBacklog> {
    return { pending: this.pending.length + this.inHand.size + this.retryTimers.size, lag: 0 };
  }

  async close(): Promise<void> {
    await this.stopConsuming();
    for (const timer of this.retryTimers) clearTimeout(timer);
    if (this.pending.length > 0 || this.retryTimers.size > 0) {
      logger.warn({ entries: this.pending.length + this.retryTimers.size, kept: Boolean(this.journal) }, 'queue closed with undelivered entries');
    }
    await this.journal?.close();
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
      await handler(entry.broadcast, { acceptedAt: entry.acceptedAt });
      this.pendingRecipients -= entry.broadcast.userIds.length;
      if (entry.journalId !== undefined) this.journal!.delivered(entry.journalId);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (entry.attempts >= this.maxAttempts) {
        this.deadLetters.push({ broadcast: entry.broadcast, reason });
        this.pendingRecipients -= entry.broadcast.userIds.length;
        if (entry.journalId !== undefined) this.journal!.deadLettered(entry.journalId, entry.broadcast, reason);
        this.metrics.deadLettered();
        logger.error({ err, attempts: entry.attempts, recipients: entry.broadcast.userIds.length },
          'broadcast dead-lettered');
        return;
      }
      logger.warn({ err, attempts: entry.attempts }, 'broadcast failed, will retry');
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.pending.unshift(entry);
        if (this.handler) this.pump();
      }, this.retryDelayMs * 2 ** (entry.attempts - 1));
      this.retryTimers.add(timer);
    }
  }
}
