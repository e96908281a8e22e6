import { GroupCache } from './group-cache.js';
import { Groups } from './groups.js';
import { Messages } from './messages.js';
import { Notifications } from './notifications.js';
import type { Ports } from './ports/index.js';

/** The domain, assembled over its ports: what the HTTP layer calls. */
export class Dino {
  readonly groups: Groups;
  readonly messages: Messages;
  readonly notifications: Notifications;

  constructor(readonly ports: Ports) {
    const cache = new GroupCache();
    ports.changes.subscribe((groupId) => (groupId === null ? cache.clear() : cache.invalidate(groupId)));
    this.groups = new Groups(ports, cache);
    this.messages = new Messages(ports, this.groups);
    this.notifications = new Notifications(ports);
  }
}
