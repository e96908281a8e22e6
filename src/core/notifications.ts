import type { Broadcaster } from './broadcaster.js';
import { nextTurn, SLICE } from './turns.js';

export interface NotificationInput {
  eventType: string;
  groupId?: string;
  notification: Array<{ userIds: number[]; data: Record<string, unknown> }>;
}

/**
 * The generic fan-out entry point: the caller's own `data` object, with `event_type` and `group_id` set, goes to
 * every listed user. One queue entry per notification entry; a user listed twice in one entry gets it once.
 */
export class Notifications {
  constructor(private readonly events: Broadcaster) {}

  async send(input: NotificationInput): Promise<{ recipients: number }> {
    let recipients = 0;
    for (const entry of input.notification) {
      const userIds = await distinct(entry.userIds);
      const event: Record<string, unknown> & { event_type: string; group_id?: string } = { ...entry.data, event_type: input.eventType };
      if (input.groupId) event.group_id = input.groupId;
      await this.events.send(event, userIds);
      recipients += userIds.length;
    }
    return { recipients };
  }
}

/** The ids once each, in first-listed order; a list of a million takes slices, not one long block. */
async function distinct(ids: number[]): Promise<number[]> {
  const seen = new Set<number>();
  const once: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!seen.has(id)) {
      seen.add(id);
      once.push(id);
    }
    if (i % SLICE === SLICE - 1) await nextTurn();
  }
  return once;
}
