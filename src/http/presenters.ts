import type { GroupSnapshot } from '../core/group-cache.js';
import type { UserGroupStats } from '../core/messages.js';
import type { Group, Member, Membership, Message } from '../core/model.js';
import { microsToSeconds } from '../core/time.js';

/**
 * The API's response shapes (field names as the original's V1 responses; times in float seconds). Requests are
 * read into the domain's names by the routes with the schemas; this is the way back out.
 */
export const memberView = (m: Member) => ({ user_id: m.userId, join_time: microsToSeconds(m.joinTime) });

export const groupView = ({ group: g, members }: { group: Group; members: Member[] }) => ({
  group_id: g.groupId,
  name: g.name,
  description: g.description,
  status: g.status,
  group_type: g.groupType,
  owner_id: g.ownerId,
  meta: g.meta,
  created_at: microsToSeconds(g.createdAt),
  updated_at: microsToSeconds(g.updatedAt),
  last_message_time: microsToSeconds(g.lastMessageTime),
  last_message_id: g.lastMessageId,
  last_message_user_id: g.lastMessageUserId,
  last_message_type: g.lastMessageType,
  last_message_overview: g.lastMessageOverview,
  user_count: members.length,
  users: members.map(memberView),
});

export const groupUsersView = ({ group, members }: GroupSnapshot) => ({
  group_id: group.groupId, owner_id: group.ownerId, user_count: members.length, users: members.map(memberView),
});

export const messageView = (m: Message) => ({
  group_id: m.groupId,
  message_id: m.messageId,
  user_id: m.senderId,
  message_payload: m.payload,
  message_type: m.messageType,
  created_at: microsToSeconds(m.createdAt),
});

export const historyView = (messages: Message[]) => ({ messages: messages.map(messageView) });

export const statsView = (s: Membership, unread: number) => ({
  group_id: s.groupId,
  user_id: s.userId,
  unread_amount: unread,
  join_time: microsToSeconds(s.joinTime),
  last_read_time: microsToSeconds(s.lastReadTime),
  last_sent_time: s.lastSentTime === null ? null : microsToSeconds(s.lastSentTime),
  delete_before: microsToSeconds(s.deleteBefore),
});

export const userGroupsView = (rows: UserGroupStats[]) =>
  rows.map((row) => ({ group: groupView(row), stats: statsView(row.membership, row.unread) }));
