import type { Attachment, Group, GroupPatch, HistoryQuery, Member, Membership, Message, UserGroup } from '../model.js';
import type { Micros } from '../time.js';
import type { MemberRecord, MemberStatePatch } from '../member-state.js';

/** What a batch of stored messages changes besides their rows, coalesced: see `Storage.applyActivity`. */
export interface Activity {
  /** The newest message of each group in the batch (one per group). */
  lastMessages: Message[];
  /** The newest send of each sender in each group of the batch: its last send and read mark move to `at`. */
  sends: SentMark[];
  /**
   * Messages given a new payload after they were sent (an attachment processed), the newest per group: each is its
   * group's last message again unless a newer one is (so its new payload shows as the overview), and the group's
   * updated_at moves forward to `at`. A later repeat of the message's own activity does not undo it.
   */
  revisions?: Revision[];
}

export interface Revision {
  message: Message;
  at: Micros;
}

/**
 * A group whose oldest messages nobody can see any more: every member (kicked ones included; those who left do not
 * count) has moved delete_before past the group's first_message_time. Those at or before `minDeleteBefore` may go.
 */
export interface UndeletedMessages {
  groupId: string;
  /** The lowest delete_before of the group's members. */
  minDeleteBefore: Micros;
  /** The floor below which its messages were purged before (its created_at if never). */
  firstMessageTime: Micros;
}

export interface SentMark {
  groupId: string;
  userId: number;
  at: Micros;
}

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
  /**
   * Stores the message row, and only it: what the message means for its group and sender (see `Activity`) is applied
   * later by `applyActivity`, off the request path.
   */
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
  /**
   * Applies what stored messages mean beyond their rows: each group's last-message fields (and updated_at) and each
   * sender's last send and read mark. Idempotent and monotonic: applying something twice, or an older message after
   * a newer one, changes nothing, so the projector may apply a batch again after a crash.
   */
  applyActivity(activity: Activity): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** A member's row with its own state (a kicked member still has one); null when not a member. */
  getMemberState(groupId: string, userId: number): Promise<MemberRecord | null>;
  /** The user's row in every group it has one in (kicked included), in no particular order. */
  listMemberRecords(userId: number): Promise<MemberRecord[]>;
  /**
   * Applies the given fields to an existing member row and returns it, or null (writing nothing) when there is
   * none. Kicking also takes the user out of the group's member list; un-kicking puts it back.
   */
  updateMemberState(groupId: string, userId: number, patch: MemberStatePatch): Promise<MemberRecord | null>;
  /** One message by its id (its time is in the id), or null. */
  getMessage(groupId: string, messageId: string): Promise<Message | null>;
  /** Replaces a stored message's payload; false, writing nothing, when there is no such message. */
  editMessage(groupId: string, messageId: string, payload: string): Promise<boolean>;
  /**
   * Every group with messages that all its members deleted (see `UndeletedMessages`), read page by page: memory
   * stays bounded whatever the number of groups. A group nobody is a member of any more is not listed.
   */
  groupsWithUndeletedMessages(): AsyncIterable<UndeletedMessages>;
  /**
   * Deletes the group's messages created at or before `upTo`, then moves its first_message_time up to `upTo` (never
   * down). Idempotent; after a crash halfway the group is still listed and the purge can simply run again.
   */
  purgeMessagesUpTo(groupId: string, upTo: Micros): Promise<void>;

  /**
   * Stores a message's attachment record, replacing the message's previous one (whose file id then finds nothing).
   * Only `listed` ones are listed and counted (`listAttachments`, `countAttachmentsAfter`); every one is found by its
   * file id and among its sender's. A file id names one message's attachment in a group: the caller checks that.
   */
  saveAttachment(attachment: Attachment, listed: boolean): Promise<void>;
  /**
   * Gives a stored message its attachment: the message takes the attachment's payload and the record is saved (as
   * `saveAttachment`); false, writing nothing, when there is no such message. Both are one write where the storage
   * can (SQLite, through its shared commit: with a broadcast handed in beside it by `BroadcastQueue.enqueueAfter`,
   * all three or none); elsewhere the payload first, and a rejection may leave it written without the record.
   */
  attachToMessage(attachment: Attachment, listed: boolean): Promise<boolean>;
  /** The attachment a file id names in a group, or null. */
  getAttachment(groupId: string, fileId: string): Promise<Attachment | null>;
  /** Listed attachments, newest first, within the query's bounds (as `listMessages`, by their messages' times). */
  listAttachments(groupId: string, query: HistoryQuery): Promise<Attachment[]>;
  /** Number of listed attachments whose message is newer than `after`, counting at most `cap`. */
  countAttachmentsAfter(groupId: string, after: Micros, cap: number): Promise<number>;
  /** The attachments (listed or not) of the user's messages, in one group or in all its groups; in no particular order. */
  userAttachments(userId: number, groupId?: string): Promise<Attachment[]>;
  /** Removes an attachment record (its message stays); removing one that is gone changes nothing. */
  removeAttachment(attachment: Attachment): Promise<void>;
}
