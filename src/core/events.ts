import type { Attachment, Group, Message } from './model.js';
import { isTimeUuid, timeUuidMicros } from './ids.js';
import { microsToSeconds, secondsToMicros, type Micros } from './time.js';
import { jsonString, secondsJson } from './json-text.js';

/** The event types Dino sends of its own accord; `notification/send` adds the caller's. */
export const DINO_EVENT_TYPES = ['group', 'message', 'join', 'leave', 'read', 'edit', 'delete', 'action_log', 'attachment',
  'delete_attachment'] as const;

/** The `group` event, exactly the seed's fields: sent when a group is created or updated. */
export const groupEvent = (g: Group, userIds: number[]) => ({
  event_type: 'group' as const,
  group_id: g.groupId,
  name: g.name,
  created_at: microsToSeconds(g.createdAt),
  updated_at: microsToSeconds(g.updatedAt),
  last_message_time: microsToSeconds(g.lastMessageTime),
  group_type: g.groupType,
  owner_id: g.ownerId,
  user_ids: userIds,
});

/** The `message` event, exactly the seed's fields: sent to every member, the sender included. */
export const messageEvent = (m: Message) => ({
  event_type: 'message' as const,
  group_id: m.groupId,
  sender_id: m.senderId,
  message_id: m.messageId,
  message_payload: m.payload,
  message_type: m.messageType,
  created_at: microsToSeconds(m.createdAt),
});

/**
 * `JSON.stringify(messageEvent(m))` (with `action_log`: of actionLogEvent), written out field by field: every send
 * serialises one, and the serialiser's walk over the object's keys costs more than the whole text written here
 * (12 000 against 4 600 instructions, counted by callgrind in isolation; bench/send-instructions.ts shows the send's
 * share). test/unit/events-json.test.ts holds them equal.
 */
export function messageEventJson(m: Message, eventType: 'message' | 'action_log' = 'message'): string {
  if (!writtenOut(m)) return JSON.stringify({ ...messageEvent(m), event_type: eventType });
  return `{"event_type":"${eventType}","group_id":${jsonString(m.groupId)},"sender_id":${m.senderId},"message_id":${
    jsonString(m.messageId)},"message_payload":${jsonString(m.payload)},"message_type":${jsonString(m.messageType)},"created_at":${
    secondsJson(m.createdAt)}}`;
}

/**
 * Whether `m` can be written out field by field as JSON.stringify would write it: its strings are strings and its
 * sender a finite number (JSON writes a finite number as String() does). Anything else goes to JSON.stringify itself.
 */
export function writtenOut(m: Message): boolean {
  return Number.isFinite(m.senderId) && typeof m.groupId === 'string' && typeof m.messageId === 'string'
    && typeof m.payload === 'string' && typeof m.messageType === 'string';
}

/**
 * The stored message a `message` event of Dino's own describes (its time is its id's), or null when the payload is
 * not one. Only broadcasts marked `storedMessage` are read this way: a notification may use any event type. An
 * `attachment` event revises a message sent before: its `updated_at` (when the placeholder was processed) is
 * `revisedAt`.
 */
export function storedMessageOfEvent(payload: string): { message: Message; revisedAt: Micros | null } | null {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(payload) as Record<string, unknown>;
  } catch {
    return null;
  }
  const { event_type: eventType, group_id: groupId, sender_id: senderId, message_id: messageId, message_payload: text,
    message_type: type, updated_at: updatedAt } = event ?? {};
  if (typeof groupId !== 'string' || typeof messageId !== 'string' || !Number.isSafeInteger(senderId)
    || typeof text !== 'string' || typeof type !== 'string' || !isTimeUuid(messageId)) return null;
  const message = { groupId, messageId, senderId: senderId as number, payload: text, messageType: type, createdAt: timeUuidMicros(messageId) };
  const revision = eventType === 'attachment' && typeof updatedAt === 'number' && Number.isFinite(updatedAt);
  return { message, revisedAt: revision ? secondsToMicros(updatedAt) : null };
}


/** `join`: to every member, the joiners (listed in user_ids) included. */
export const joinEvent = (groupId: string, joiners: number[], at: Micros) => ({
  event_type: 'join' as const,
  group_id: groupId,
  created_at: microsToSeconds(at),
  user_ids: joiners,
});

/** `leave`: to the remaining members and the leaver. */
export const leaveEvent = (groupId: string, leaver: number, at: Micros) => ({
  event_type: 'leave' as const,
  group_id: groupId,
  created_at: microsToSeconds(at),
  user_id: leaver,
  user_ids: [leaver],
});

/** `read`: a member read the group up to `last_read_time`; to the other members (user_ids: the reader). */
export const readEvent = (groupId: string, reader: number, lastRead: Micros, bookmarked: boolean) => ({
  event_type: 'read' as const,
  group_id: groupId,
  user_id: reader,
  last_read_time: microsToSeconds(lastRead),
  /** The reader had marked the conversation unread (a bookmark) before reading it: the original's peer_status 4. */
  was_bookmarked: bookmarked,
  user_ids: [reader],
});

/** `action_log`: a message of type `action_log`, with the `message` event's fields. */
export const actionLogEvent = (m: Message) => ({ ...messageEvent(m), event_type: 'action_log' as const });

/** `edit`: the author replaced a message's payload; to every member. */
export const editEvent = (m: Message, updatedAt: Micros) =>
  ({ ...messageEvent(m), event_type: 'edit' as const, updated_at: microsToSeconds(updatedAt) });

/** `delete`: the author removed a message; to every member. */
export const deleteEvent = (m: Message, at: Micros) => ({
  event_type: 'delete' as const,
  group_id: m.groupId,
  message_id: m.messageId,
  sender_id: m.senderId,
  created_at: microsToSeconds(m.createdAt),
  removed_at: microsToSeconds(at),
});

/**
 * `attachment`: the author's placeholder was processed (new payload, `file_id`); to every member. Marked as a stored
 * message: the projector applies it as a revision (see `Activity.revisions`).
 */
export const attachmentEvent = (a: Attachment) =>
  ({ ...messageEvent(a), event_type: 'attachment' as const, file_id: a.fileId, updated_at: microsToSeconds(a.updatedAt) });

/** `delete_attachment`: attachments of a group were removed (their messages stay); to every member. */
export const deleteAttachmentEvent = (groupId: string, removed: Attachment[], at: Micros) => ({
  event_type: 'delete_attachment' as const,
  created_at: microsToSeconds(at),
  group_id: groupId,
  message_ids: removed.map((a) => a.messageId),
  file_ids: removed.map((a) => a.fileId),
});
