import type { Broadcaster } from './broadcaster.js';
import { deleteEvent, editEvent } from './events.js';
import { Errors } from './errors.js';
import type { Groups } from './groups.js';
import type { MemberStates } from './member-states.js';
import type { Message } from './model.js';
import type { Ports } from './ports/index.js';
import { nowMicros, type Micros } from './time.js';
import type { UnreadCounter } from './unread.js';

/** `/count` counts a member's visible messages up to this many: a count costs a read per message. */
export const MESSAGE_COUNT_CAP = 100_000;

/**
 * What an author may do to its message after sending it (edit, delete), and reading one message or a member's
 * message count. Like every change, an edit or a delete is announced to the members; a failure to queue the event
 * undoes the edit (a delete's event is queued first, like a leave's).
 */
export class MessageEdits {
  constructor(private readonly ports: Ports, private readonly events: Broadcaster, private readonly groups: Groups,
    private readonly memberStates: MemberStates, private readonly counter: UnreadCounter) {}

  /** The message, 601 without the group, 602 without the message. */
  async info(groupId: string, messageId: string): Promise<Message> {
    await this.groups.snapshot(groupId);
    const message = await this.ports.storage.getMessage(groupId, messageId);
    if (!message) throw Errors.noSuchMessage(messageId);
    return message;
  }

  async edit(authorId: number, groupId: string, messageId: string, payload: string): Promise<{ message: Message; updatedAt: Micros }> {
    const before = await this.own(authorId, groupId, messageId);
    const message = { ...before, payload };
    const updatedAt = nowMicros();
    const event = this.events.prepare(editEvent(message, updatedAt));
    if (!(await this.ports.storage.editMessage(groupId, messageId, payload))) throw Errors.noSuchMessage(messageId);
    try {
      await this.events.sendPrepared(event, await this.recipients(groupId));
    } catch (err) {
      await this.ports.storage.editMessage(groupId, messageId, before.payload).catch(() => undefined);
      throw err;
    }
    return { message, updatedAt };
  }

  async remove(authorId: number, groupId: string, messageId: string): Promise<Message> {
    const message = await this.own(authorId, groupId, messageId);
    await this.events.send(deleteEvent(message, nowMicros()), await this.recipients(groupId));
    await this.ports.storage.deleteMessage(groupId, messageId);
    this.counter.forget(groupId);
    return message;
  }

  /**
   * The member's visible messages (after its delete_before), or only its listed attachments, up to
   * MESSAGE_COUNT_CAP. Counted each time, not kept (the original kept `att:count`): one partition's range read, and a
   * kept count would need every process told of each attachment created or removed.
   */
  async count(groupId: string, userId: number, onlyAttachments = false): Promise<{ deleteBefore: Micros; count: number }> {
    const { member } = await this.memberStates.conversation(groupId, userId);
    const storage = this.ports.storage;
    const count = await (onlyAttachments ? storage.countAttachmentsAfter(groupId, member.deleteBefore, MESSAGE_COUNT_CAP)
      : storage.countMessagesAfter(groupId, member.deleteBefore, MESSAGE_COUNT_CAP));
    return { deleteBefore: member.deleteBefore, count };
  }

  /** All the group's messages, up to MESSAGE_COUNT_CAP (the original's `message_amount`); 601 without the group. */
  async groupMessageCount(groupId: string): Promise<number> {
    await this.groups.snapshot(groupId);
    return this.ports.storage.countMessagesAfter(groupId, -1, MESSAGE_COUNT_CAP);
  }

  /** The author's own message: another user's, or none, is 602 alike (nobody learns which ids exist). */
  private async own(authorId: number, groupId: string, messageId: string): Promise<Message> {
    const message = await this.info(groupId, messageId);
    if (message.senderId !== authorId) throw Errors.noSuchMessage(messageId);
    return message;
  }

  private async recipients(groupId: string): Promise<number[]> {
    return (await this.groups.snapshot(groupId)).members.map((m) => m.userId);
  }
}
