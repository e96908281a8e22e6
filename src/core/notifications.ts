import { broadcast, type Ports } from './ports/index.js';

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
  constructor(private readonly ports: Ports) {}

  async send(input: NotificationInput): Promise<{ recipients: number }> {
    let recipients = 0;
    for (const entry of input.notification) {
      const userIds = [...new Set(entry.userIds)];
      const event = { ...entry.data, event_type: input.eventType, ...(input.groupId ? { group_id: input.groupId } : {}) };
      await broadcast(this.ports, event, userIds);
      recipients += userIds.length;
    }
    return { recipients };
  }
}
