import type { Broadcaster } from './broadcaster.js';
import { readEvent } from './events.js';
import type { Conversation } from './member-state.js';
import type { Member } from './model.js';
import type { Micros } from './time.js';

/**
 * Read receipts: when a member reads a conversation that had news for it, the other members get one `read` event.
 * "News" is a last message newer than the member's previous read mark and not its own (a member's own message
 * moves its read mark: everything before it was read). Reading again with nothing new sends nothing. Groups with
 * more than `maxMembers` members get none: a receipt per reader per member grows with the square of the group.
 */
export class Receipts {
  constructor(private readonly events: Broadcaster, private readonly maxMembers: number) {}

  /** `before` is the conversation as it was before this read; `members` the group's (kicked ones excluded). */
  async read(before: Conversation, members: Member[], readAt: Micros): Promise<boolean> {
    const { group, member } = before;
    const news = group.lastMessageTime > member.lastReadTime && group.lastMessageUserId !== member.userId;
    if (!news || members.length > this.maxMembers || member.state.kicked) return false;
    const others = members.map((m) => m.userId).filter((id) => id !== member.userId);
    if (others.length === 0) return false;
    await this.events.send(readEvent(group.groupId, member.userId, readAt, member.state.bookmark), others);
    return true;
  }
}
