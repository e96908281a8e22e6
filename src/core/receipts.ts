import type { Broadcaster } from './broadcaster.js';
import { readEvent } from './events.js';
import type { Conversation } from './member-state.js';
import type { Member } from './model.js';
import type { Storage } from './ports/storage.js';
import { nowMicros, type Micros } from './time.js';

/**
 * Read receipts: when a member reads a conversation that had news for it, the other members get one `read` event.
 * "News" is a message newer than the member's previous read mark whose newest is not its own (a member's own
 * message moves its read mark: everything before it was read). Reading again with nothing new sends nothing. Groups
 * with more than `maxMembers` members get none: a receipt per reader per member grows with the square of the group.
 * The newest message is read from the messages themselves, not from the group's last-message fields, which are
 * applied a moment after a send.
 */
export class Receipts {
  constructor(private readonly events: Broadcaster, private readonly storage: Storage, private readonly maxMembers: number) {}

  /** `before` is the conversation as it was before this read; `members` the group's (kicked ones excluded). */
  async read(before: Conversation, members: Member[], readAt: Micros): Promise<boolean> {
    const { group, member } = before;
    const others = members.map((m) => m.userId).filter((id) => id !== member.userId);
    if (members.length > this.maxMembers || member.state.kicked || others.length === 0) return false;
    // An explicit upper bound: without one an adapter may stop at the group's (not yet updated) last message time.
    const until = Math.max(readAt, nowMicros()) + 1;
    const [newest] = await this.storage.listMessages(group.groupId, { floor: member.lastReadTime, until, limit: 1 });
    if (!newest || newest.senderId === member.userId) return false;
    await this.events.send(readEvent(group.groupId, member.userId, readAt, member.state.bookmark), others);
    return true;
  }
}
