import { mapLimit } from './batches.js';
import type { Groups } from './groups.js';
import { byListOrder, isDeleted, isHidden, lastUpdated, type Conversation, type MemberRecord } from './member-state.js';
import { GROUP_TYPE_ONE_TO_ONE, type Member } from './model.js';
import type { Ports } from './ports/index.js';
import type { Micros } from './time.js';
import type { UnreadCounter } from './unread.js';

/** What the list shows besides the groups themselves. `hidden`: true only hidden, false only visible, null both. */
export interface ListOptions {
  perPage: number;
  hidden: boolean | null;
  /** Like `hidden`, for groups the member deleted (delete_before past the last message). */
  deleted: boolean | null;
  onlyUnread: boolean;
  countUnread: boolean;
  receiverStats: boolean;
  groupType?: number;
}

/** One row of a conversation list: -1 where a count was not asked for; `receiver` the peer of a one-to-one. */
export interface ConversationRow extends Conversation {
  members: Member[];
  unread: number;
  receiver: MemberRecord | null;
  receiverUnread: number;
}

export interface UserStats {
  unreadAmount: number;
  unreadGroupsAmount: number;
  groupAmount: number;
  oneToOneAmount: number;
  lastSentTime: Micros | null;
  lastSentGroupId: string | null;
}

const FAN_OUT = 32;

const hiddenMatches = (hidden: boolean | null) => (c: Conversation) => hidden === null || isHidden(c) === hidden;
const deletedMatches = (deleted: boolean | null) => (c: Conversation) => deleted === null || isDeleted(c) === deleted;

/**
 * A user's conversations: the list (pinned first, then by the later of highlight and last message), the changes
 * since a sync, and the totals. The user's rows are read whole (one partition on Cassandra) and ordered here;
 * unread counts are read only for the rows a page shows (or filters on), through the UnreadCounter.
 */
export class Conversations {
  constructor(private readonly ports: Ports, private readonly groups: Groups, private readonly counter: UnreadCounter) {}

  /** `until` (exclusive) is compared with each group's last message time: pass the last row's to page on. */
  async list(userId: number, options: ListOptions & { until?: Micros }): Promise<ConversationRow[]> {
    const until = options.until ?? Number.MAX_SAFE_INTEGER;
    const rows = (await this.groups.conversationsOf(userId)).filter((c) => deletedMatches(options.deleted)(c)
      && hiddenMatches(options.hidden)(c) && this.typeMatches(c, options.groupType) && c.group.lastMessageTime < until);
    return this.page(rows.sort(byListOrder), options);
  }

  /** What changed after `since` (and at or before `until`), hidden and deleted included: what an app syncs. */
  async updates(userId: number, options: ListOptions & { since: Micros; until?: Micros }): Promise<ConversationRow[]> {
    const until = options.until ?? Number.MAX_SAFE_INTEGER;
    const rows = (await this.groups.conversationsOf(userId)).filter((c) => this.typeMatches(c, options.groupType)
      && lastUpdated(c) > options.since && lastUpdated(c) <= until);
    return this.page(rows.sort(byListOrder), { ...options, hidden: null, deleted: null });
  }

  /**
   * Totals over the user's conversations. Group amounts follow `hidden` and `deleted`; unread ones never count
   * hidden or deleted groups, kicked ones or those with notifications off. -1 for the unread totals without counting.
   */
  async stats(userId: number, options: { hidden: boolean | null; deleted: boolean | null; countUnread: boolean }): Promise<UserStats> {
    const all = await this.groups.conversationsOf(userId);
    const listed = all.filter((c) => !isDeleted(c));
    const counted = all.filter((c) => hiddenMatches(options.hidden)(c) && deletedMatches(options.deleted)(c));
    const oneToOne = counted.filter((c) => c.group.groupType === GROUP_TYPE_ONE_TO_ONE).length;
    let unreadAmount = -1;
    let unreadGroupsAmount = -1;
    if (options.countUnread) {
      const unread = await mapLimit(listed.filter((c) => !isHidden(c) && c.member.state.notifications), FAN_OUT,
        (c) => this.counter.unread(c));
      unreadAmount = unread.reduce((a, b) => a + b, 0);
      unreadGroupsAmount = unread.filter((n) => n > 0).length;
    }
    const lastSent = all.reduce<Conversation | null>((best, c) =>
      (c.member.lastSentTime ?? -1) > (best?.member.lastSentTime ?? -1) ? c : best, null);
    return { unreadAmount, unreadGroupsAmount, groupAmount: counted.length - oneToOne, oneToOneAmount: oneToOne,
      lastSentTime: lastSent?.member.lastSentTime ?? null, lastSentGroupId: lastSent?.group.groupId ?? null };
  }

  /** One conversation as a list row (GET …/user/{uid}); the peer's state is read for one-to-ones. */
  async describe(c: Conversation, options: Pick<ListOptions, 'countUnread' | 'receiverStats'>): Promise<ConversationRow> {
    const { counted: _, ...row } = await this.row(c, { ...options, onlyUnread: false });
    return row;
  }

  /** Rows in order until `perPage` pass the unread filter; counts are read a page at a time. */
  private async page(sorted: Conversation[], options: ListOptions): Promise<ConversationRow[]> {
    const out: ConversationRow[] = [];
    for (let i = 0; i < sorted.length && out.length < options.perPage; i += options.perPage) {
      const rows = await mapLimit(sorted.slice(i, i + options.perPage), FAN_OUT, (c) => this.row(c, options));
      out.push(...rows.filter((r) => !options.onlyUnread || r.counted > 0).map(({ counted: _, ...row }) => row));
    }
    return out.slice(0, options.perPage);
  }

  /** The row, and its unread count even where the caller asked for none (the only_unread filter needs it). */
  private async row(c: Conversation, options: Pick<ListOptions, 'countUnread' | 'receiverStats' | 'onlyUnread'>):
    Promise<ConversationRow & { counted: number }> {
    const counting = options.countUnread || options.onlyUnread;
    const [{ members }, unread] = await Promise.all([this.groups.snapshot(c.group.groupId), counting ? this.counter.unread(c) : -1]);
    const receiver = await this.peer(c, members);
    const receiverUnread = receiver && options.receiverStats && options.countUnread
      ? await this.counter.unread({ group: c.group, member: receiver }) : -1;
    return { ...c, members, unread: options.countUnread ? unread : -1, receiver, receiverUnread, counted: unread };
  }

  /** The other member of a one-to-one (its highlight time is always shown; the rest with receiver_stats). */
  private async peer({ group, member }: Conversation, members: Member[]): Promise<MemberRecord | null> {
    if (group.groupType !== GROUP_TYPE_ONE_TO_ONE) return null;
    const other = members.find((m) => m.userId !== member.userId);
    return other ? this.ports.storage.getMemberState(group.groupId, other.userId) : null;
  }

  private typeMatches(c: Conversation, groupType: number | undefined): boolean {
    return groupType === undefined || c.group.groupType === groupType;
  }
}
