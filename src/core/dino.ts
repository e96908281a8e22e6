import { ActionLogs } from './action-logs.js';
import { Attachments, DEFAULT_ATTACHMENT_TYPES, type AttachmentTypes } from './attachments.js';
import { GroupCache } from './group-cache.js';
import { Groups } from './groups.js';
import { Messages } from './messages.js';
import { Notifications } from './notifications.js';
import type { Ports } from './ports/index.js';
import { Broadcaster } from './broadcaster.js';
import { Conversations } from './conversations.js';
import { MemberStates } from './member-states.js';
import { MessageEdits } from './message-edits.js';
import { Receipts } from './receipts.js';
import { UnreadCounter } from './unread.js';

/** Rules of the domain that come from configuration. */
export interface DinoRules {
  /** The largest event a broadcast may carry: what fits in one MQTT packet with its topic. */
  maxEventBytes: number;
  /** Read receipts go to groups of at most this many members (DINO_READ_RECEIPT_MAX_MEMBERS). */
  readReceiptMaxMembers: number;
  /** Unread counts kept in the process (DINO_UNREAD_CACHE_SIZE; 0: none). */
  unreadCacheSize: number;
  /** Placeholder types of attachments, and those left out of listings (DINO_ATTACHMENT_TYPES, …_UNLISTED_TYPES). */
  attachmentTypes?: AttachmentTypes;
}

/** The domain, assembled over its ports: what the HTTP layer calls. */
export class Dino {
  readonly groups: Groups;
  readonly messages: Messages;
  readonly notifications: Notifications;
  readonly memberStates: MemberStates;
  readonly conversations: Conversations;
  readonly messageEdits: MessageEdits;
  readonly actionLogs: ActionLogs;
  readonly attachments: Attachments;

  constructor(readonly ports: Ports, rules: DinoRules) {
    const cache = new GroupCache();
    ports.changes.subscribe((groupId, lastMessage) => {
      if (groupId === null) cache.clear();
      else if (lastMessage) cache.moveLastMessage(groupId, lastMessage);
      else cache.invalidate(groupId);
    });
    const events = new Broadcaster(ports.queue, rules.maxEventBytes);
    this.groups = new Groups(ports, events, cache);
    this.messages = new Messages(ports, events, this.groups);
    this.notifications = new Notifications(events);
    this.memberStates = new MemberStates(ports, this.groups, this.messages, new Receipts(events, ports.storage, rules.readReceiptMaxMembers));
    const counter = new UnreadCounter(ports.storage, rules.unreadCacheSize);
    this.conversations = new Conversations(ports, this.groups, counter);
    this.messageEdits = new MessageEdits(ports, events, this.groups, this.memberStates, counter);
    this.actionLogs = new ActionLogs(this.messages, this.groups);
    this.attachments = new Attachments(ports, events, this.groups, this.memberStates, rules.attachmentTypes ?? DEFAULT_ATTACHMENT_TYPES);
  }
}
