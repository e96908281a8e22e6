import { Groups } from './groups.js';
import { Messages } from './messages.js';
import { Notifications } from './notifications.js';
import type { Ports } from './ports.js';

/** The domain, assembled over its ports: what the HTTP layer calls. */
export class Dino {
  readonly groups: Groups;
  readonly messages: Messages;
  readonly notifications: Notifications;

  constructor(readonly ports: Ports) {
    this.groups = new Groups(ports);
    this.messages = new Messages(ports, this.groups);
    this.notifications = new Notifications(ports);
  }
}
