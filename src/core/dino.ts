import { GroupCache } from './group-cache.js';
import { Groups } from './groups.js';
import { Messages } from './messages.js';
import { Notifications } from './notifications.js';
import type { Ports } from './ports/index.js';
import { Broadcaster } from './broadcaster.js';

/** Rules of the domain that come from configuration. */
export interface DinoRules {
  /** The largest event a broadcast may carry: what fits in one MQTT packet with its topic. */
  maxEventBytes: number;
}

/** The domain, assembled over its ports: what the HTTP layer calls. */
export class Dino {
  readonly groups: Groups;
  readonly messages: Messages;
  readonly notifications: Notifications;

  constructor(readonly ports: Ports, rules: DinoRules) {
    const cache = new GroupCache();
    ports.changes.subscribe((groupId) => (groupId === null ? cache.clear() : cache.invalidate(groupId)));
    const events = new Broadcaster(ports.queue, rules.maxEventBytes);
    this.groups = new Groups(ports, events, cache);
    this.messages = new Messages(ports, events, this.groups);
    this.notifications = new Notifications(events);
  }
}
