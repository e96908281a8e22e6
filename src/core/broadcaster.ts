import { Errors } from './errors.js';
import type { BroadcastQueue, StoredMessage } from './ports/queue.js';

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

  /** Serialises the event, refusing one over the limit: call it before writing anything the event is about. */
  prepare(event: { group_id?: string; event_type: string }): PreparedEvent {
    return this.prepareText(JSON.stringify(event), event.group_id, event.event_type);
  }

  /** The same for an event serialised by the caller (`payload`, of `eventType`, about group `orderKey`). */
  prepareText(payload: string, orderKey: string | undefined, eventType: string): PreparedEvent {
    // A UTF-16 unit is at most three UTF-8 bytes: count exactly only near the limit.
    if (payload.length * 3 > this.maxEventBytes) {
      const bytes = Buffer.byteLength(payload);
      if (bytes > this.maxEventBytes) throw Errors.eventTooLarge(bytes, this.maxEventBytes);
    }
    return { payload, orderKey, eventType };
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

function broadcastOf({ payload, orderKey, eventType, storedMessage, stored }: PreparedEvent, userIds: number[]) {
  return { payload, orderKey, eventType, userIds, ...(storedMessage ? { storedMessage } : {}), ...(storedMessage && stored ? { stored } : {}) };
}
