import { z } from 'zod';
import type { ConversationRow, UserStats } from '../core/conversations.js';
import { isDeleted, isHidden, lastUpdated, LONG_AGO } from '../core/member-state.js';
import { microsToSeconds, type Micros } from '../core/time.js';
import { named } from './openapi/named.js';
import { groupResponse, groupView, uuidId } from './presenters.js';
import { userId } from './schemas.js';

/** Answers of the conversation API: the original V2's field names, times in float seconds. */
const seconds = z.number().describe('float UNIX seconds');
const count = z.number().int().min(-1);

export const conversationStatsResponse = named('UserGroupStats', z.strictObject({
  group_id: uuidId,
  user_id: userId,
  unread: count.describe('messages after the read mark (up to 1000), plus 1 for a bookmark; -1 when not counted'),
  unread_amount: count.describe('the same as unread (the V1 name)'),
  receiver_unread: count.describe('one-to-ones with receiver_stats: the other member\'s unread; else -1'),
  join_time: seconds,
  last_read_time: seconds,
  last_sent_time: seconds.nullable(),
  delete_before: seconds,
  highlight_time: seconds,
  last_updated_time: seconds.describe('the latest of the member\'s own changes, the last message and the group\'s update'),
  hide: z.boolean().describe('hidden by the member, and no message since'),
  deleted: z.boolean().describe('the member set delete_before past the last message'),
  bookmark: z.boolean(),
  pin: z.boolean(),
  rating: z.number().int().nullable(),
  notifications: z.boolean(),
  kicked: z.boolean(),
  receiver_highlight_time: seconds.describe('one-to-ones: the other member\'s highlight time'),
  receiver_last_read_time: seconds.nullable(),
  receiver_delete_before: seconds.nullable(),
  receiver_hide: z.boolean().nullable(),
  receiver_deleted: z.boolean().nullable(),
}));

export const conversationResponse = named('UserGroup', z.strictObject({ group: groupResponse, stats: conversationStatsResponse }));
export const conversationListResponse = named('UserGroupList', z.array(conversationResponse)
  .describe('pinned first, then by the later of highlight_time and last_message_time, newest first'));

export const userStatsResponse = named('UserStats', z.strictObject({
  user_id: userId,
  unread_amount: count.describe('unread over visible groups with notifications on (bookmarks count one); -1 when not counted'),
  unread_groups_amount: count,
  group_amount: z.number().int().min(0).describe('groups that are not one-to-ones'),
  one_to_one_amount: z.number().int().min(0),
  last_sent_time: seconds.nullable(),
  last_sent_group_id: uuidId.nullable(),
}));

export const lastReadsResponse = named('LastReads', z.strictObject({
  group_id: uuidId,
  last_read_times: z.array(z.strictObject({ user_id: userId, last_read_time: seconds })),
}));

export const markedReadResponse = named('MarkedRead', z.strictObject({
  groups: z.number().int().min(0).describe('conversations that were marked read'),
}));

type Shape<S extends z.ZodType> = z.output<S>;
const s = microsToSeconds;
const orNull = (v: Micros | null | undefined) => (v === null || v === undefined ? null : s(v));

export function conversationView(row: ConversationRow, receiverStats: boolean): Shape<typeof conversationResponse> {
  const { group, member, receiver } = row;
  const peer = receiverStats && receiver ? { group, member: receiver } : null;
  return {
    group: groupView(row),
    stats: {
      group_id: group.groupId, user_id: member.userId, unread: row.unread, unread_amount: row.unread,
      receiver_unread: row.receiverUnread, join_time: s(member.joinTime), last_read_time: s(member.lastReadTime),
      last_sent_time: orNull(member.lastSentTime), delete_before: s(member.deleteBefore),
      highlight_time: s(member.state.highlightTime), last_updated_time: s(lastUpdated(row)), hide: isHidden(row),
      deleted: isDeleted(row), bookmark: member.state.bookmark, pin: member.state.pin, rating: member.state.rating,
      notifications: member.state.notifications, kicked: member.state.kicked,
      receiver_highlight_time: s(receiver?.state.highlightTime ?? LONG_AGO),
      receiver_last_read_time: orNull(peer?.member.lastReadTime), receiver_delete_before: orNull(peer?.member.deleteBefore),
      receiver_hide: peer ? isHidden(peer) : null, receiver_deleted: peer ? isDeleted(peer) : null,
    },
  };
}

export const userStatsView = (userId: number, t: UserStats): Shape<typeof userStatsResponse> => ({
  user_id: userId, unread_amount: t.unreadAmount, unread_groups_amount: t.unreadGroupsAmount, group_amount: t.groupAmount,
  one_to_one_amount: t.oneToOneAmount, last_sent_time: orNull(t.lastSentTime), last_sent_group_id: t.lastSentGroupId,
});
