import { Errors } from './errors.js';
import type { Broadcast, BroadcastQueue, StoredMessage } from './ports/queue.js';

/** An event serialised and checked, ready to queue. */
export interface PreparedEvent {
  readonly payload: string;
  readonly orderKey?: string;
  readonly eventType: string;
  /** The event of a message Dino stored (see Broadcast.storedMessage). */
  readonly storedMessage?: boolean;
  /** That message, when the caller has it at hand (see Broadcast.stored). */
  readonly stored?: StoredMessage;
}

/**
 * Queues one event for a list of users: serialised once here, published as is to every recipient. An event that
 * would not fit in one MQTT packet is refused here, before anything is queued (413), rather than failing at every
 * delivery later.
 */
export class Broadcaster {
  constructor(private readonly queue: BroadcastQueue, private readonly maxEventBytes: number) {}

  /**
   * Serialises the event, refusing one over the limit: call it before writing anything the event is about.
   * `stored`: the event is about a message Dino stores (see PreparedEvent.storedMessage), with that message when the
   * caller has it at hand.
   */
  prepare(event: { group_id?: string; event_type: string }, stored?: StoredMessage | true): PreparedEvent {
    return this.prepareText(JSON.stringify(event), event.group_id, event.event_type, stored);
  }

  /** The same for an event serialised by the caller (`payload`, of `eventType`, about group `orderKey`). */
  prepareText(payload: string, orderKey: string | undefined, eventType: string, stored?: StoredMessage | true): PreparedEvent {
    // A UTF-16 unit is at most three UTF-8 bytes: count exactly only near the limit.
    if (payload.length * 3 > this.maxEventBytes) {
      const bytes = Buffer.byteLength(payload);
      if (bytes > this.maxEventBytes) throw Errors.eventTooLarge(bytes, this.maxEventBytes);
    }
    const event: { -readonly [K in keyof PreparedEvent]: PreparedEvent[K] } = { payload, orderKey, eventType };
    if (stored !== undefined) {
      event.storedMessage = true;
      if (stored !== true) event.stored = stored;
    }
    return event;
  }

  send(event: { group_id?: string; event_type: string }, userIds: number[]): Promise<void> {
    return this.sendPrepared(this.prepare(event), userIds);
  }

  sendPrepared(event: PreparedEvent, userIds: number[]): Promise<void> {
    return this.queue.enqueue(broadcastOf(event, userIds));
  }

  /** Runs `write`, then queues the event: in one transaction where the queue can (see BroadcastQueue.enqueueAfter). */
  sendPreparedAfter(write: () => Promise<unknown>, event: PreparedEvent, userIds: number[]): Promise<void> {
    return this.queue.enqueueAfter(write, broadcastOf(event, userIds));
  }
}

/**
 * The broadcast of an event, its fields set one by one: spreading optional fields into a literal made V8 define them
 * in its runtime, some thousands of instructions a send (bench/send-instructions.ts).
 */
function broadcastOf({ payload, orderKey, eventType, storedMessage, stored }: PreparedEvent, userIds: number[]): Broadcast {
  const broadcast: Broadcast = { payload, orderKey, eventType, userIds };
  if (storedMessage) {
    broadcast.storedMessage = true;
    if (stored) broadcast.stored = stored;
  }
  return broadcast;
}
