import type { Group, Membership } from './model.js';
import type { Micros } from './time.js';

/** The original's "long ago" (1995-01-01): the highlight time of a group nobody highlighted. */
export const LONG_AGO: Micros = 789_000_000_000_000;

/**
 * A member's own settings for one group, beside its membership. Nothing here is written when a message is sent:
 * what a new message changes (a hidden or deleted group shows again, the list's last-updated time moves) is derived
 * when the state is read, from the group's last message time (see `isHidden`, `isDeleted`, `lastUpdated`).
 */
export interface MemberState {
  highlightTime: Micros;
  /** When the member hid the group; it stays hidden while no message is newer. Null: not hidden. */
  hiddenAt: Micros | null;
  /** The member moved delete_before itself: the group stays out of its lists while no message is newer than that. */
  deleted: boolean;
  bookmark: boolean;
  pin: boolean;
  rating: number | null;
  notifications: boolean;
  /** Kicked: out of the member list (no events, no sending), keeps its own row, gets no history. */
  kicked: boolean;
  /** The last change of this state by the member (or a kick); messages move the derived value, not this. */
  lastUpdatedTime: Micros;
}

/** One member's row: the membership and the member's own state. */
export interface MemberRecord extends Membership {
  state: MemberState;
}

/** Fields to change; `lastUpdatedTime` always moves. `lastReadTime` is set as given (it may go back). */
export type MemberStatePatch = Partial<Omit<MemberState, 'lastUpdatedTime'>> & {
  lastReadTime?: Micros;
  deleteBefore?: Micros;
  lastUpdatedTime: Micros;
};

/** A conversation as a user sees it: the group's row and the user's own. */
export interface Conversation {
  group: Group;
  member: MemberRecord;
}

/** The state of a member who never changed anything: what a new row holds. */
export const initialState = (joinTime: Micros): MemberState => ({
  highlightTime: LONG_AGO, hiddenAt: null, deleted: false, bookmark: false, pin: false, rating: null,
  notifications: true, kicked: false, lastUpdatedTime: joinTime,
});

export const isHidden = ({ group, member }: Conversation): boolean =>
  member.state.hiddenAt !== null && group.lastMessageTime <= member.state.hiddenAt;

export const isDeleted = ({ group, member }: Conversation): boolean =>
  member.state.deleted && group.lastMessageTime <= member.deleteBefore;

/** Messages at or before this time are not unread for the member: those it read, and those it deleted. */
export const readFloor = (m: Membership): Micros => Math.max(m.lastReadTime, m.deleteBefore);

/** What an app syncing "since" compares: the member's own changes, the group's last message and its updates. */
export const lastUpdated = ({ group, member }: Conversation): Micros =>
  Math.max(member.state.lastUpdatedTime, group.lastMessageTime, group.updatedAt);

/** The list's order key: pinned first, then the later of highlight and last message time. */
export const activity = ({ group, member }: Conversation): Micros => Math.max(member.state.highlightTime, group.lastMessageTime);

export function byListOrder(a: Conversation, b: Conversation): number {
  return Number(b.member.state.pin) - Number(a.member.state.pin) || activity(b) - activity(a)
    || (a.group.groupId < b.group.groupId ? -1 : a.group.groupId > b.group.groupId ? 1 : 0);
}
