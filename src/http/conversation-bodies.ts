import { z } from 'zod';
import { secondsToMicros } from '../core/time.js';
import { named } from './openapi/named.js';
import { actionLogOfUser, userId } from './schemas.js';

/** Request bodies of the conversation API (field names as the original's V2). */
const seconds = z.number().positive().max(1e11).transform(secondsToMicros).describe('float UNIX seconds');
const sinceSeconds = z.number().min(0).max(1e11).transform(secondsToMicros).describe('float UNIX seconds; 0 for everything');
const perPage = z.number().int().min(1).max(1000);
const hidden = z.boolean().nullable().optional()
  .describe('true: only hidden groups; false (the default): only visible ones; null: both');

export const memberStateBody = named('MemberStateBody', z.object({
  last_read_time: seconds.optional().describe('the read mark; clears the bookmark and the highlight'),
  delete_before: seconds.optional().describe('messages at or before this time disappear for this member only'),
  highlight_time: seconds.optional().describe('sorts the group as if it had a message then; unhides it'),
  hide: z.boolean().optional().describe('hides the group until its next message'),
  bookmark: z.boolean().optional().describe('marked unread: counts as one more unread; false also reads the group'),
  pin: z.boolean().optional(),
  rating: z.number().int().nullable().optional(),
  notifications: z.boolean().optional().describe('false: the group counts for no unread total'),
  kicked: z.boolean().optional().describe('true: no events, no history, no sending; false or a join lets the user back'),
  action_log: actionLogOfUser.optional().describe('an action log written after the change'),
}));

const deleted = z.boolean().nullable().optional()
  .describe('true: only groups the member deleted (delete_before past the last message); false (the default): the others; null: both');

const listFields = {
  per_page: perPage,
  hidden,
  deleted,
  only_unread: z.boolean().default(false).describe('only groups with unread messages or a bookmark'),
  count_unread: z.boolean().default(true).describe('false: unread and receiver_unread are -1 (and cheaper)'),
  receiver_stats: z.boolean().default(false).describe('one-to-ones: the other member\'s receiver_* fields and receiver_unread'),
  group_type: z.number().int().min(0).max(255).optional().describe('only groups of this type'),
};

export const groupListBody = named('GroupListBody', z.object({
  ...listFields,
  until: seconds.optional().describe('exclusive: groups whose last message is older; the last row\'s last_message_time pages on'),
}));

export const groupUpdatesBody = named('GroupUpdatesBody', z.object({
  ...listFields,
  since: sinceSeconds.describe('exclusive: groups whose last_updated_time is later (the time of the previous sync)'),
  until: seconds.optional().describe('inclusive upper bound on last_updated_time'),
}));

export const userStatsBody = named('UserStatsBody', z.object({
  hidden: hidden.describe('which groups group_amount and one_to_one_amount count (unread totals never count hidden ones)'),
  deleted: deleted.describe('likewise for deleted groups (unread totals never count them)'),
  count_unread: z.boolean().default(true),
}));

export const lastReadBody = named('LastReadBody', z.object({
  user_id: userId.optional().describe('one member; absent: every member'),
}));
