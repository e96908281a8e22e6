import type { Message } from '../model.js';
import type { Micros } from '../time.js';

/** One fan-out request: the same event payload (JSON text, serialised once) for every listed user. */
export interface Broadcast {
  payload: string;
  userIds: number[];
  /** Broadcasts with the same key (a group id) are handed to the handler in queue order, across consumers too. */
  orderKey?: string;
  /** The event's `event_type`, carried beside the payload so the fan-out can count by it without parsing. */
  eventType?: string;
  /**
   * Set by Dino on the `message` event of a message it stored: the fan-out side projects the message into its group's
   * and sender's state (see core/projector.ts). Never set for notifications, whatever their event type.
   */
  storedMessage?: boolean;
  /**
   * In memory only, beside `storedMessage`: the message itself, as the projector would read it from the payload. Only
   * a queue that hands over the very object it was given (the embedded one, in this process) keeps it; the adapters
   * that store broadcasts keep only the fields above, and the projector then parses the payload. Given to
   * `enqueueAfter`, it says that `write` stores this message's row and that the payload is its event as
   * core/events.ts messageEventJson writes it: a queue sharing the storage's transaction may then keep the message's
   * id instead of the payload.
   */
  stored?: StoredMessage;
}

/** A stored message as its event describes it; `revisedAt` set when the event revises one sent before. */
export interface StoredMessage {
  message: Message;
  revisedAt: Micros | null;
}

/** What the queue knows of an entry besides the broadcast itself. */
export interface Delivery {
  /** When the queue accepted the entry, in ms since the epoch; undefined when it cannot tell. */
  acceptedAt?: number;
  /** For a large broadcast, where a node that died part-way had got to: resume, don't restart. */
  progress?: BroadcastProgress;
}

/**
 * A large broadcast's progress, kept by the queue per chunk of recipients (chunk c: userIds[c·chunkSize,
 * (c+1)·chunkSize)), so that a broadcast taken over from a dead node publishes only the chunks not acknowledged.
 */
export interface BroadcastProgress {
  chunkSize: number;
  /** Chunks whose every PUBACK came in an earlier attempt: not published again. */
  done: ReadonlySet<number>;
  /** Records that chunk `chunk`'s PUBACKs are all in. Never throws: a record lost costs duplicates, never a loss. */
  record(chunk: number): void;
}

/** Entries accepted and not yet acknowledged, as the consumer group sees them. */
export interface QueueBacklog {
  /** Handed to a consumer (or waiting in this process), not yet acknowledged. */
  pending: number;
  /** Not yet handed to any consumer; 0 where the queue cannot tell. */
  lag: number;
}

/**
 * Delivers one broadcast; resolves when it is delivered. A handler that keeps order hands the broadcast on before it
 * returns (synchronously), so broadcasts handed over in queue order are published in queue order.
 */
export type BroadcastHandler = (broadcast: Broadcast, delivery: Delivery) => Promise<void>;

/**
 * The durable hand-off between the API and the fan-out. `enqueue` resolves only once the request is kept; an entry is
 * acknowledged only after the handler resolved for it, so nothing queued is lost when a consumer fails. Every
 * adapter (in-process, Redis Streams) passes the contract suite in test/contract/queue.contract.ts.
 */
export interface BroadcastQueue {
  readonly kind: string;
  enqueue(broadcast: Broadcast): Promise<void>;
  /**
   * Runs `write` (storing what the broadcast is about), then queues the broadcast: in one transaction where the queue
   * shares the storage's (the embedded queue beside SQLite storage), else one after the other. Rejects if either
   * failed, once `write` has settled; the write may then have been done alone, and the caller undoes it.
   */
  enqueueAfter(write: () => Promise<unknown>, broadcast: Broadcast): Promise<void>;
  /**
   * Where `enqueueAfter` writes a new message's row before its broadcast is queued, in a commit of its own: hands
   * `undo` the row of every send that recorded its intent and did not queue its broadcast in time (its process died
   * in between, or is that late: its queueing is then refused), so that no message stays stored that was never
   * announced. Resolves with how many rows were undone. A queue that commits with the storage, or keeps no intents,
   * has none.
   */
  undoLapsedSends(undo: (row: { groupId: string; messageId: string }) => Promise<void>): Promise<number>;
  /** Starts handing entries to the handler, at most `concurrency` at a time. */
  startConsuming(handler: BroadcastHandler, options?: { concurrency?: number }): void;
  /** Stops taking new entries and waits until those in hand are handled and acknowledged. */
  stopConsuming(): Promise<void>;
  ping(): Promise<void>;
  /** The backlog now (read when asked, e.g. by a metrics scrape). */
  backlog(): Promise<QueueBacklog>;
  close(): Promise<void>;
}
