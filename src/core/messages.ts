import { messageEventJson } from './events.js';
import { Errors } from './errors.js';
import { newGroup, uniqueMembers, type Groups } from './groups.js';
import { newTimeUuid, oneToOneGroupId } from './ids.js';
import type { GroupSnapshot } from './group-cache.js';
import { GROUP_OPEN, GROUP_TYPE_ONE_TO_ONE, type Membership, type Message } from './model.js';
import type { Broadcaster } from './broadcaster.js';
import type { Ports } from './ports/index.js';
import { nowMicros, type Micros } from './time.js';

export interface SendInput {
  messagePayload: string;
  messageType: string;
  /** An action log (join, leave, rename… written by the caller) is announced as `action_log`, not `message`. */
  actionLog?: boolean;
}

export interface HistoryInput {
  perPage: number;
  until?: Micros;
  since?: Micros;
}

/** One row of a user's conversation list. */
export interface UserGroupStats extends GroupSnapshot {
  membership: Membership;
  unread: number;
}

/** Unread counts stop at this many: a badge needs no exact count past it, and counting costs a read per message. */
const UNREAD_CAP = 1000;

/** Sending, reading and listing messages. */
export class Messages {
  constructor(private readonly ports: Ports, private readonly events: Broadcaster, private readonly groups: Groups) {}

  /**
   * Stores the message row, then queues its event for every member (in one transaction where the queue shares the
   * storage's: SQLite); if it cannot be queued the row is removed again, so no message is ever shown that was not
   * broadcast. The group's last message and the sender's read mark follow off the request path (core/projector.ts),
   * from the queued event.
   */
  async sendToGroup(groupId: string, senderId: number, input: SendInput): Promise<Message> {
    let { group, members } = await this.groups.snapshot(groupId);
    // A cached "not a member" is checked against storage: the sender may have joined a moment ago.
    if (!members.some((m) => m.userId === senderId)) ({ group, members } = await this.groups.snapshot(groupId, true));
    if (group.status !== GROUP_OPEN) throw Errors.groupNotOpen(groupId);
    if (!members.some((m) => m.userId === senderId)) throw Errors.notInGroup(groupId, senderId);
    const { id, micros } = newTimeUuid();
    const message: Message = { groupId, messageId: id, senderId, payload: input.messagePayload, messageType: input.messageType, createdAt: micros };
    const eventType = input.actionLog ? 'action_log' : 'message';
    const event = this.events.prepareText(messageEventJson(message, eventType), groupId, eventType, { message, revisedAt: null });
    let stored = false;
    const store = () => this.ports.storage.saveMessage(message).then(() => {
      stored = true;
    });
    try {
      await this.events.sendPreparedAfter(store, event, members.map((m) => m.userId));
    } catch (err) {
      if (stored) await this.ports.storage.deleteMessage(groupId, message.messageId).catch(() => undefined);
      throw err;
    }
    return message;
  }

  /** One-to-one: the pair's group has a fixed id, so concurrent first messages create it once. */
  async sendToUser(senderId: number, receiverId: number, input: SendInput): Promise<Message> {
    const groupId = oneToOneGroupId(senderId, receiverId);
    const pair = uniqueMembers([senderId, receiverId], nowMicros());
    const existing = await this.groups.lookup(groupId);
    if (!existing) {
      const [low, high] = [Math.min(senderId, receiverId), Math.max(senderId, receiverId)];
      const group = newGroup({ groupId, name: `${low},${high}`, groupType: GROUP_TYPE_ONE_TO_ONE, ownerId: senderId, description: null, meta: null }, pair[0]!.joinTime);
      // Lost the race to create it: make sure of the membership the winner may still be writing.
      if (!(await this.groups.createAnnounced(group, pair))) await this.ports.storage.addMembers(groupId, pair, pair[0]!.joinTime);
    } else if (!pair.every((p) => existing.members.some((m) => m.userId === p.userId))) {
      await this.ports.storage.addMembers(groupId, pair, pair[0]!.joinTime);
      await this.ports.changes.announce(groupId);
    }
    return this.sendToGroup(groupId, senderId, input);
  }

  /** A member's history, newest first; opening it marks the group read for that member. */
  async history(groupId: string, userId: number, input: HistoryInput): Promise<Message[]> {
    await this.groups.snapshot(groupId);
    const membership = await this.ports.storage.getMembership(groupId, userId);
    if (!membership) throw Errors.notInGroup(groupId, userId);
    const messages = await this.ports.storage.listMessages(groupId, {
      until: input.until, since: input.since, floor: membership.deleteBefore, limit: input.perPage,
    });
    await this.ports.storage.markRead(groupId, userId, nowMicros());
    return messages;
  }

  /** The user's groups by last message, newest first, each with the user's own state and unread count. */
  async userGroups(userId: number, input: { perPage: number; until?: Micros }): Promise<UserGroupStats[]> {
    const rows = await this.ports.storage.listUserGroups(userId, { until: input.until, limit: input.perPage });
    return Promise.all(rows.map(async ({ group, membership }) => {
      const [{ members }, unread] = await Promise.all([
        this.groups.snapshot(group.groupId),
        this.ports.storage.countMessagesAfter(group.groupId, Math.max(membership.lastReadTime, membership.deleteBefore), UNREAD_CAP),
      ]);
      return { group, members, membership, unread };
    }));
  }
}
