import { mapLimit } from './batches.js';
import { Errors } from './errors.js';
import type { Groups } from './groups.js';
import { LONG_AGO, type Conversation, type MemberStatePatch } from './member-state.js';
import type { HistoryInput, Messages } from './messages.js';
import type { Message } from './model.js';
import type { Ports } from './ports/index.js';
import type { Receipts } from './receipts.js';
import { nowMicros, type Micros } from './time.js';

/** What a member may change of its own state (`PUT …/update`); absent fields are left as they are. */
export interface MemberStateInput {
  lastReadTime?: Micros;
  deleteBefore?: Micros;
  highlightTime?: Micros;
  hide?: boolean;
  bookmark?: boolean;
  pin?: boolean;
  rating?: number | null;
  notifications?: boolean;
  kicked?: boolean;
}

/** Storage reads run at most this many at a time when one call touches many groups or members. */
const FAN_OUT = 32;

/** A member's own state in a group: reading it, changing it, opening the conversation, marking all read. */
export class MemberStates {
  constructor(private readonly ports: Ports, private readonly groups: Groups, private readonly messages: Messages,
    private readonly receipts: Receipts) {}

  /** The group's row and the member's: 601 without the group, 600 when the user has no row in it. */
  async conversation(groupId: string, userId: number): Promise<Conversation> {
    const [group, member] = await Promise.all([this.ports.storage.getGroup(groupId),
      this.ports.storage.getMemberState(groupId, userId)]);
    if (!group) throw Errors.noSuchGroup(groupId);
    if (!member) throw Errors.notInGroup(groupId, userId);
    return { group, member };
  }

  async update(groupId: string, userId: number, input: MemberStateInput): Promise<Conversation> {
    const before = await this.conversation(groupId, userId);
    const now = nowMicros();
    const member = await this.ports.storage.updateMemberState(groupId, userId, statePatch(before, input, now));
    if (!member) throw Errors.notInGroup(groupId, userId);
    // A kick or its undoing changes who gets the group's events: every process must read the members afresh.
    if (input.kicked !== undefined && input.kicked !== before.member.state.kicked) await this.ports.changes.announce(groupId);
    if (input.lastReadTime !== undefined && input.lastReadTime > before.member.lastReadTime) {
      await this.receipts.read(before, (await this.groups.snapshot(groupId)).members, input.lastReadTime);
    }
    return { group: before.group, member };
  }

  /**
   * Opening the history reads the conversation: the read mark moves to now, a bookmark, a highlight and a hide
   * are cleared, and the other members get a receipt if there was news. Kicked members get 606.
   */
  async open(groupId: string, userId: number, input: HistoryInput): Promise<Message[]> {
    const before = await this.conversation(groupId, userId);
    if (before.member.state.kicked) throw Errors.kicked(groupId, userId);
    const messages = await this.messages.history(groupId, userId, input);
    const now = nowMicros();
    const s = before.member.state;
    if (before.group.lastMessageTime > before.member.lastReadTime || s.bookmark || s.hiddenAt !== null || s.highlightTime !== LONG_AGO) {
      await this.ports.storage.updateMemberState(groupId, userId, { bookmark: false, hiddenAt: null, highlightTime: LONG_AGO,
        lastUpdatedTime: now });
    }
    await this.receipts.read(before, (await this.groups.snapshot(groupId)).members, now);
    return messages;
  }

  /** Marks every conversation of the user read that had news, a bookmark or a highlight; returns how many. */
  async markAllRead(userId: number): Promise<number> {
    const now = nowMicros();
    const pending = (await this.groups.conversationsOf(userId)).filter(({ group, member }) => !member.state.kicked
      && (group.lastMessageTime > member.lastReadTime || member.state.bookmark || member.state.highlightTime !== LONG_AGO));
    await mapLimit(pending, FAN_OUT, async (c) => {
      await this.ports.storage.updateMemberState(c.group.groupId, userId, { lastReadTime: Math.max(now, c.member.lastReadTime),
        bookmark: false, highlightTime: LONG_AGO, lastUpdatedTime: now });
      await this.receipts.read(c, (await this.groups.snapshot(c.group.groupId)).members, now);
    });
    return pending.length;
  }

  /** Read marks of one member, or of every member (kicked ones excluded). */
  async lastReads(groupId: string, userId?: number): Promise<Array<{ userId: number; lastReadTime: Micros }>> {
    if (userId !== undefined) {
      const { member } = await this.conversation(groupId, userId);
      return [{ userId, lastReadTime: member.lastReadTime }];
    }
    const { members } = await this.groups.snapshot(groupId);
    const rows = await mapLimit(members, FAN_OUT, (m) => this.ports.storage.getMemberState(groupId, m.userId));
    return rows.flatMap((r) => (r ? [{ userId: r.userId, lastReadTime: r.lastReadTime }] : []));
  }
}

/**
 * The original's update rules (§5.6), applied in its order: a read clears the bookmark and the highlight; clearing
 * a bookmark counts as reading; delete_before also reads up to it and shows the group again; a highlight unhides;
 * a kick clears bookmark and pin.
 */
export function statePatch({ member }: Conversation, input: MemberStateInput, now: Micros): MemberStatePatch {
  const p: MemberStatePatch = { lastUpdatedTime: now };
  if (input.kicked !== undefined) Object.assign(p, { kicked: input.kicked }, input.kicked ? { bookmark: false, pin: false } : {});
  if (input.bookmark !== undefined) {
    p.bookmark = input.bookmark;
    if (!input.bookmark && input.lastReadTime === undefined) Object.assign(p, { lastReadTime: Math.max(now, member.lastReadTime), highlightTime: LONG_AGO });
  }
  if (input.pin !== undefined) p.pin = input.pin;
  if (input.rating !== undefined) p.rating = input.rating;
  if (input.notifications !== undefined) p.notifications = input.notifications;
  if (input.lastReadTime !== undefined) Object.assign(p, { lastReadTime: input.lastReadTime, bookmark: false, highlightTime: LONG_AGO });
  if (input.deleteBefore !== undefined) {
    Object.assign(p, { deleteBefore: input.deleteBefore, deleted: true, bookmark: false, hiddenAt: null,
      lastReadTime: Math.max(p.lastReadTime ?? member.lastReadTime, input.deleteBefore) });
  }
  if (input.highlightTime !== undefined && input.lastReadTime === undefined) Object.assign(p, { highlightTime: input.highlightTime, hiddenAt: null });
  else if (input.hide !== undefined) p.hiddenAt = input.hide ? now : null;
  return p;
}
