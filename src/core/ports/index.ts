import type { GroupChanges } from './changes.js';
import type { BroadcastQueue } from './queue.js';
import type { Storage } from './storage.js';

export type { Claim, IdempotencyStore, StoredAnswer } from './idempotency.js';
export type { Broadcast, BroadcastHandler, BroadcastQueue, Delivery, QueueBacklog, StoredMessage } from './queue.js';
export type { GroupChanges } from './changes.js';
export type { Activity, Revision, SentMark, Storage, UndeletedMessages } from './storage.js';

/**
 * What the domain needs from the outside world; nothing else in src/core does I/O. Each port is an interface owned
 * here; the adapters (src/storage, src/queue, src/changes, src/idempotency) implement them and import core, never
 * the other way round.
 */
export interface Ports {
  storage: Storage;
  queue: BroadcastQueue;
  changes: GroupChanges;
}
