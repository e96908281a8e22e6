import type { GroupChanges } from '../changes/port.js';
import type { BroadcastQueue } from '../queue/port.js';
import type { Storage } from '../storage/port.js';

/** What the domain needs from the outside world; nothing else in src/core does I/O. */
export interface Ports {
  storage: Storage;
  queue: BroadcastQueue;
  changes: GroupChanges;
}

/** Queues one event for the listed users: serialised once here, published as is to every recipient. */
export function broadcast(ports: Ports, event: { group_id?: string }, userIds: number[]): Promise<void> {
  return ports.queue.enqueue({ payload: JSON.stringify(event), userIds, orderKey: event.group_id });
}
