import { z } from 'zod';
import { Errors } from '../core/errors.js';
import { secondsToMicros } from '../core/time.js';

/**
 * Request schemas: every body is validated here, once, into typed values; the core never sees raw input.
 * Field names are the original API's.
 */
export const userId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const userIds = z.array(userId);
/** Float UNIX seconds, converted to the microseconds storage compares. */
const seconds = z.number().positive().max(1e11).transform(secondsToMicros);
const perPage = z.number().int().min(1).max(1000);
const text = (max: number) => z.string().max(max);

export const createGroupBody = z.object({
  group_name: text(1000).min(1),
  group_type: z.number().int().min(0).max(255).optional(),
  users: userIds.max(10_000),
  description: text(10_000).nullish(),
  meta: z.number().int().nullish(),
});

export const updateGroupBody = z.object({
  group_name: text(1000).min(1).optional(),
  description: text(10_000).nullable().optional(),
  owner: userId.nullable().optional(),
  status: z.number().int().min(-3).max(0).optional(),
});

export const joinBody = z.object({ users: userIds.min(1).max(10_000) });

const sendFields = {
  message_payload: text(256 * 1024),
  message_type: z.union([text(64), z.number().int()]).transform(String),
};
export const sendBody = z.object(sendFields);
export const sendToUserBody = z.object({ ...sendFields, receiver_id: userId });

export const historyBody = z.object({ per_page: perPage, until: seconds.optional(), since: seconds.optional() });
export const userGroupsBody = z.object({ per_page: perPage, until: seconds.optional() });

/** The ids themselves are checked by checkRecipients (src/http/recipients.ts): a million of them, without zod. */
const recipientList = z.custom<unknown[]>((v) => Array.isArray(v), 'expected an array of user ids')
  .refine((ids) => ids.length > 0, 'expected at least one user id');

export const notificationBody = z.object({
  event_type: text(64).min(1),
  group_id: z.string().uuid().transform((s) => s.toLowerCase()).optional(),
  notification: z.array(z.object({
    user_ids: recipientList,
    data: z.record(z.string(), z.unknown()),
  })).min(1).max(100),
});

const ID_PATTERN = /^[1-9][0-9]{0,15}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A user id from the path: a positive integer of at most 2^53−1. */
export function userIdParam(raw: string, field = 'user_id'): number {
  const value = ID_PATTERN.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value)) throw Errors.invalidParameters(field, 'expected a positive integer up to 2^53-1');
  return value;
}

export function groupIdParam(raw: string): string {
  if (!UUID_PATTERN.test(raw)) throw Errors.invalidParameters('group_id', 'expected a UUID');
  return raw.toLowerCase();
}
