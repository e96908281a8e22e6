import { z } from 'zod';
import { Errors } from '../core/errors.js';
import { secondsToMicros } from '../core/time.js';
import { jsonSchemaOf, named } from './openapi/named.js';
import { CONSOLE_ASSETS, type ConsoleAsset } from './console/assets.js';

/**
 * Request schemas: every body is validated here, once, into typed values; the core never sees raw input. The same
 * schemas describe the bodies in the OpenAPI document (their input side: what a caller sends, before transforms).
 * Field names are the original API's.
 */
export const userId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER).describe('a user id: a positive integer up to 2^53−1');
const userIds = z.array(userId);
/** Float UNIX seconds, converted to the microseconds storage compares. */
const seconds = z.number().positive().max(1e11).transform(secondsToMicros).describe('float UNIX seconds');
const perPage = z.number().int().min(1).max(1000);
const text = (max: number) => z.string().max(max);

export const createGroupBody = named('CreateGroupBody', z.object({
  group_name: text(1000).min(1),
  group_type: z.number().int().min(0).max(255).optional().describe('0 private (the default), 1 one-to-one'),
  users: userIds.max(10_000).describe('members besides the creator'),
  description: text(10_000).nullish(),
  meta: z.number().int().nullish(),
}));

/**
 * An action log written with a change (the original's `action_log` on join, group update and member-state bodies):
 * a message of type `action_log` by `user_id`, a member, written after the change.
 */
const actionLogFields = { payload: text(256 * 1024).describe('the action log\'s text') };
export const actionLogByUser = named('ActionLogBy', z.object({ ...actionLogFields, user_id: userId.describe('the actor, a member') }));
export const actionLogOfUser = named('ActionLogOf', z.object({ ...actionLogFields,
  user_id: userId.optional().describe('the actor, a member; the path\'s user when absent') }));

export const updateGroupBody = named('UpdateGroupBody', z.object({
  group_name: text(1000).min(1).optional(),
  description: text(10_000).nullable().optional(),
  owner: userId.nullable().optional(),
  status: z.number().int().min(-3).max(0).optional().describe('0 open, −1 frozen, −2 archived, −3 deleted'),
  action_log: actionLogByUser.optional(),
}));

export const joinBody = named('JoinBody', z.object({ users: userIds.min(1).max(10_000), action_log: actionLogByUser.optional() }));

export const leaveBody = named('LeaveBody', z.object({ action_log: actionLogOfUser.optional() })
  .describe('optional; the action log is written before the leave, by user_id or else the leaver'));

export const groupInfoBody = named('GroupInfoBody', z.object({
  count_messages: z.boolean().default(false).describe('true: message_amount counts the group\'s messages (up to 100 000); else it is -1'),
}));

const sendFields = {
  message_payload: text(256 * 1024),
  message_type: z.union([text(64), z.number().int()]).transform(String),
};
export const sendBody = named('SendBody', z.object(sendFields));
export const sendToUserBody = named('SendToUserBody', z.object({ ...sendFields, receiver_id: userId }));

export const historyBody = named('HistoryBody', z.object({
  per_page: perPage,
  until: seconds.optional().describe('exclusive: messages sent before this time'),
  since: seconds.optional().describe('inclusive: messages sent at or after this time'),
}));

/**
 * The ids themselves are checked by checkRecipients (src/http/recipients.ts): a million of them, without zod. What
 * that check accepts is stated here for the document (zod cannot describe a custom check itself).
 */
const recipientList = z.custom<unknown[]>((v) => Array.isArray(v), 'expected an array of user ids')
  .refine((ids) => ids.length > 0, 'expected at least one user id')
  .meta({ type: 'array', minItems: 1, items: jsonSchemaOf(userId), description: 'at most DINO_MAX_RECIPIENTS ids over all entries' });

export const notificationBody = named('NotificationBody', z.object({
  event_type: text(64).min(1),
  group_id: z.string().uuid().transform((s) => s.toLowerCase()).optional(),
  notification: z.array(z.object({
    user_ids: recipientList,
    data: z.record(z.string(), z.unknown()).describe('sent as it is, with event_type and group_id added'),
  })).min(1).max(100),
}));

const ID_PATTERN = /^[1-9][0-9]{0,15}$/;

/** A UUID, either case (JSON Schema patterns take no flags, hence both cases spelled out). */
const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** A group id in a path: a UUID, either case. */
export const groupId = z.string().regex(UUID_PATTERN).describe('a group id (UUID)');

/**
 * A user id from the path: a positive integer of at most 2^53−1. Path parameters are checked on every request, so
 * by the same pattern and bound as their documented schema (`userId`, `groupId`) but without zod's per-call cost.
 */
export function userIdParam(raw: string, field = 'user_id'): number {
  const value = ID_PATTERN.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value)) throw Errors.invalidParameters(field, 'expected a positive integer up to 2^53-1');
  return value;
}

export function groupIdParam(raw: string): string {
  if (!UUID_PATTERN.test(raw)) throw Errors.invalidParameters('group_id', 'expected a UUID');
  return raw.toLowerCase();
}

/** A file of the web console; any other name is a route that does not exist. */
export function consoleAssetParam(raw: string): ConsoleAsset {
  if (!(CONSOLE_ASSETS as readonly string[]).includes(raw)) throw Errors.notFound('GET', `/console/${raw}`);
  return raw as ConsoleAsset;
}

/** A message id in a path: a UUID, either case. */
export const messageId = groupId.describe('a message id (time-based UUID)');

export function messageIdParam(raw: string): string {
  if (!UUID_PATTERN.test(raw)) throw Errors.invalidParameters('message_id', 'expected a UUID');
  return raw.toLowerCase();
}

/** Every path parameter a pattern may name (`:user_id`): the schema that documents it and the reader that checks it. */
export const pathParameters = {
  user_id: { schema: userId, read: (raw: string) => userIdParam(raw) },
  group_id: { schema: groupId, read: groupIdParam },
  asset: { schema: z.enum(CONSOLE_ASSETS).describe('a file of the web console'), read: consoleAssetParam },
  message_id: { schema: messageId, read: messageIdParam },
} as const;
export type PathParameterName = keyof typeof pathParameters;
