import type { Group, GroupPatch, HistoryQuery, Member, Membership, Message, UserGroup } from '../model.js';
import type { Micros } from '../time.js';
import type { Conversation, MemberRecord, MemberStatePatch } from '../member-state.js';

/**
 * Where groups, memberships and messages live. Every adapter (SQLite, Cassandra) passes the one contract suite in
 * test/contract/storage.contract.ts; a difference between two adapters is a bug in one of them.
 */
export interface Storage {
  readonly kind: string;
  /** Creates the group and its members together; returns false, writing nothing, when the id is taken. */
  createGroup(group: Group, members: Member[]): Promise<boolean>;
  getGroup(groupId: string): Promise<Group | null>;
  /** Removes a group and every membership in it (undoes a creation whose event could not be queued). */
  deleteGroup(groupId: string): Promise<void>;
  /** Applies the given fields; returns the updated group, or null when there is none. */
  updateGroup(groupId: string, patch: GroupPatch): Promise<Group | null>;
  /** Members in join order, newest first. */
  getMembers(groupId: string): Promise<Member[]>;
  getMembership(groupId: string, userId: number): Promise<Membership | null>;
  /** Adds users not yet members (a member already there keeps its state) and touches the group's updated_at. */
  addMembers(groupId: string, members: Member[], at: Micros): Promise<void>;
  /** Removes one membership; the group loses its owner if that user owned it. False if it was not a member. */
  removeMember(groupId: string, userId: number, at: Micros): Promise<boolean>;
  /** Stores a message and records it as the group's last message and the sender's last send and read. */
  saveMessage(message: Message): Promise<void>;
  /** Removes a stored message again (used when its broadcast could not be queued). */
  deleteMessage(groupId: string, messageId: string): Promise<void>;
  /** Newest first, within the query's bounds. */
  listMessages(groupId: string, query: HistoryQuery): Promise<Message[]>;
  /** Number of messages newer than `after`, counting at most `cap`. */
  countMessagesAfter(groupId: string, after: Micros, cap: number): Promise<number>;
  markRead(groupId: string, userId: number, at: Micros): Promise<void>;
  /** The user's groups by last message time, newest first, those with last_message_time < until. */
  listUserGroups(userId: number, query: { until?: Micros; limit: number }): Promise<UserGroup[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** A member's row with its own state (a kicked member still has one); null when not a member. */
  getMemberState(groupId: string, userId: number): Promise<MemberRecord | null>;
  /** Every group the user has a row in (kicked included) with the group's row; in no particular order. */
  listConversations(userId: number): Promise<Conversation[]>;
  /**
   * Applies the given fields to an existing member row and returns it, or null (writing nothing) when there is
   * none. Kicking also takes the user out of the group's member list; un-kicking puts it back.
   */
  updateMemberState(groupId: string, userId: number, patch: MemberStatePatch): Promise<MemberRecord | null>;
  /** One message by its id (its time is in the id), or null. */
  getMessage(groupId: string, messageId: string): Promise<Message | null>;
  /** Replaces a stored message's payload; false, writing nothing, when there is no such message. */
  editMessage(groupId: string, messageId: string, payload: string): Promise<boolean>;
}
