import { storedMessageOfEvent } from './events.js';
import type { Message } from './model.js';
import type { Activity, BroadcastHandler, GroupChanges, Revision, SentMark, Storage } from './ports/index.js';
import type { Micros } from './time.js';

export interface ProjectorOptions {
  /**
   * Tries of one write before its messages fail; unbounded by default. A failed projection fails its queue entries,
   * and the queue would then publish those broadcasts again to every recipient: a storage hiccup must not cost a
   * repeated fan-out, so the projector keeps trying (the entries stay pending, their node alive) until it closes.
   */
  attempts?: number;
  /** Wait before the second try; doubles with each further one, up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Told of every failed try (the projector itself never logs: it is domain code). */
  onRetry?: (err: unknown, attempt: number) => void;
}

/** What messages change beyond their rows, coalesced: the newest message per group and per sender in a group. */
export class CoalescedActivity {
  readonly lastMessages = new Map<string, Message>();
  readonly sends = new Map<string, SentMark>();
  /** Per group, the newest message revised after it was sent (an attachment processed), at the latest revision time. */
  readonly revisions = new Map<string, Revision>();

  /** `revisedAt`: the message is a revision of one already sent (its payload changed then), not a new one. */
  add(m: Message, revisedAt: Micros | null = null): this {
    if (revisedAt !== null) {
      const known = this.revisions.get(m.groupId);
      const message = !known || m.createdAt >= known.message.createdAt ? m : known.message;
      this.revisions.set(m.groupId, { message, at: Math.max(revisedAt, known?.at ?? revisedAt) });
      return this;
    }
    const last = this.lastMessages.get(m.groupId);
    if (!last || m.createdAt > last.createdAt) this.lastMessages.set(m.groupId, m);
    const key = `${m.groupId}/${m.senderId}`;
    const sent = this.sends.get(key);
    if (!sent || m.createdAt > sent.at) this.sends.set(key, { groupId: m.groupId, userId: m.senderId, at: m.createdAt });
    return this;
  }

  get size(): number {
    return this.lastMessages.size + this.revisions.size;
  }

  activity(): Activity {
    return { lastMessages: [...this.lastMessages.values()], sends: [...this.sends.values()],
      revisions: [...this.revisions.values()] };
  }
}

/** Messages waiting for the same write, and the promise every one of them waits on. */
class Batch extends CoalescedActivity {
  readonly done: Promise<void>;
  resolve!: () => void;
  reject!: (err: unknown) => void;

  constructor() {
    super();
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A batch nobody waits on any more (its handlers failed otherwise) must not surface as an unhandled rejection.
    this.done.catch(() => undefined);
  }
}

/**
 * Applies what stored messages mean beyond their rows (each group's last message, each sender's last send and read
 * mark) off the request path. Messages handed in while a write is under way wait for the next one, coalesced: one
 * write per group and per sender however many messages came meanwhile (group commit, so no timer adds latency when
 * the load is light). The queue's handler acknowledges an entry only after its message was applied, so a crash
 * replays what was not, and `Storage.applyActivity` makes applying it again harmless. Each applied write is announced
 * on the change feed: the API processes move the last message of the group rows they cached (or drop those rows, for
 * a revision).
 */
export class ActivityProjector {
  private next = new Batch();
  private draining = false;
  private closed = false;
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  /** Wakes a retry's wait early when the projector closes. */
  private wake: (() => void) | null = null;

  constructor(private readonly storage: Storage, private readonly changes: GroupChanges, private readonly options: ProjectorOptions = {}) {
    this.attempts = options.attempts ?? Number.POSITIVE_INFINITY;
    this.retryDelayMs = options.retryDelayMs ?? 100;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
  }

  /** Resolves once the message's group and sender state are stored (or, for a revision, its group's). */
  project(message: Message, revisedAt: Micros | null = null): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the projector is closed'));
    const batch = this.next;
    batch.add(message, revisedAt);
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => void this.drain());
    }
    return batch.done;
  }

  /** A queue handler that projects each stored message while `deliver` publishes it; done when both are. */
  handler(deliver: BroadcastHandler): BroadcastHandler {
    return (broadcast, delivery) => {
      const stored = broadcast.storedMessage ? (broadcast.stored ?? storedMessageOfEvent(broadcast.payload)) : null;
      if (!stored) return deliver(broadcast, delivery);
      // Projection first: `deliver` must still be called synchronously, so broadcasts keep their queue order.
      const projected = this.project(stored.message, stored.revisedAt);
      const delivered = deliver(broadcast, delivery);
      // Done when both are, failed as soon as either fails (a failed delivery is retried by the queue even while
      // storage holds the projection up). Promise.all does that too, with arrays and closures that were 600 of the
      // 11 000 bytes a send allocated (bench/send-allocations.ts).
      return new Promise<void>((resolve, reject) => {
        let waiting = 2;
        const settled = () => void (--waiting === 0 && resolve());
        projected.then(settled, reject);
        delivered.then(settled, reject);
      });
    };
  }

  /**
   * Fails what still waits and stops retrying; a write under way finishes first. The entries of messages not applied
   * stay in the queue for a later run or another node. Called once the queue stopped handing entries over and those
   * in hand are done, so normally nothing waits any more.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.next.reject(new Error('the projector closed before applying this message'));
    this.wake?.();
    while (this.draining) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  private async drain(): Promise<void> {
    while (this.next.size > 0 && !this.closed) {
      const batch = this.next;
      this.next = new Batch();
      await this.apply(batch);
    }
    this.draining = false;
  }

  private async apply(batch: Batch): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.storage.applyActivity(batch.activity());
        break;
      } catch (err) {
        this.options.onRetry?.(err, attempt);
        if (attempt >= this.attempts || this.closed) {
          batch.reject(err);
          return;
        }
        const delay = Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** Math.min(attempt - 1, 20));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
      }
    }
    // A group's new last message is told as such (caches take its fields); a revision, as any change (caches drop it).
    await Promise.all([
      ...[...batch.lastMessages].filter(([groupId]) => !batch.revisions.has(groupId)).map(([groupId, m]) => this.changes.announce(groupId, m)),
      ...[...batch.revisions.keys()].map((groupId) => this.changes.announce(groupId)),
    ]);
    batch.resolve();
  }
}
