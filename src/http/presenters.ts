import { z } from 'zod';
import type { GroupSnapshot } from '../core/group-cache.js';
import type { Group, Member, Message } from '../core/model.js';
import { writtenOut } from '../core/events.js';
import { jsonString, secondsJson } from '../core/json-text.js';
import { microsToSeconds } from '../core/time.js';
import { named } from './openapi/named.js';
import { userId } from './schemas.js';

/**
 * The API's response shapes (field names as the original's V1 responses; times in float seconds). Requests are
 * read into the domain's names by the routes with the schemas; this is the way back out. Each shape is a schema
 * first, strict (no field it does not list), and each view is typed by it: the OpenAPI document describes answers
 * with these schemas, and test/e2e/openapi.test.ts checks real answers against them.
 */
const seconds = z.number().describe('float UNIX seconds');
export const uuidId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/).describe('a UUID, lower case');

export const memberResponse = named('Member', z.strictObject({ user_id: userId, join_time: seconds }));

export const groupResponse = named('Group', z.strictObject({
  group_id: uuidId,
  name: z.string(),
  description: z.string().nullable(),
  status: z.number().int().describe('0 open, −1 frozen, −2 archived, −3 deleted'),
  group_type: z.number().int().describe('0 private, 1 one-to-one'),
  owner_id: userId.nullable(),
  meta: z.number().int().nullable(),
  created_at: seconds,
  updated_at: seconds,
  last_message_time: seconds,
  last_message_id: uuidId.nullable(),
  last_message_user_id: userId.nullable(),
  last_message_type: z.string().nullable(),
  last_message_overview: z.string().nullable(),
  user_count: z.number().int().min(0),
  users: z.array(memberResponse),
}));

export const groupUsersResponse = named('GroupUsers', z.strictObject({
  group_id: uuidId, owner_id: userId.nullable(), user_count: z.number().int().min(0), users: z.array(memberResponse),
}));

export const messageResponse = named('Message', z.strictObject({
  group_id: uuidId,
  message_id: uuidId.describe('a time-based (version 1) UUID: its time is created_at'),
  user_id: userId.describe('the sender'),
  message_payload: z.string(),
  message_type: z.string(),
  created_at: seconds,
}));

export const historyResponse = named('History', z.strictObject({ messages: z.array(messageResponse).describe('newest first') }));

export const notificationResponse = named('NotificationResult', z.strictObject({
  recipients: z.number().int().min(0).describe('user ids the notification was queued for'),
}));

export const tokenResponse = named('Token', z.strictObject({
  token: z.string().describe('a JWT for the user: the MQTT password'),
  expires_at: z.number().int().describe('UNIX seconds'),
}));

type Shape<S extends z.ZodType> = z.output<S>;

export const memberView = (m: Member): Shape<typeof memberResponse> => ({ user_id: m.userId, join_time: microsToSeconds(m.joinTime) });

export const groupView = ({ group: g, members }: { group: Group; members: Member[] }): Shape<typeof groupResponse> => ({
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

export const groupUsersView = ({ group, members }: GroupSnapshot): Shape<typeof groupUsersResponse> => ({
  group_id: group.groupId, owner_id: group.ownerId, user_count: members.length, users: members.map(memberView),
});

export const messageView = (m: Message): Shape<typeof messageResponse> => ({
  group_id: m.groupId,
  message_id: m.messageId,
  user_id: m.senderId,
  message_payload: m.payload,
  message_type: m.messageType,
  created_at: microsToSeconds(m.createdAt),
});

/**
 * `JSON.stringify(messageView(m))`, written out field by field (see messageEventJson): every send answers one.
 * test/unit/events-json.test.ts holds the two equal.
 */
export function messageJson(m: Message): string {
  if (!writtenOut(m)) return JSON.stringify(messageView(m));
  return `{"group_id":${jsonString(m.groupId)},"message_id":${jsonString(m.messageId)},"user_id":${m.senderId},"message_payload":${
    jsonString(m.payload)},"message_type":${jsonString(m.messageType)},"created_at":${secondsJson(m.createdAt)}}`;
}

export const historyView = (messages: Message[]): Shape<typeof historyResponse> => ({ messages: messages.map(messageView) });
