import type { ListOptions } from '../core/conversations.js';
import type { Dino } from '../core/dino.js';
import { ErrorCode } from '../core/errors.js';
import { groupListBody, groupUpdatesBody, userStatsBody } from './conversation-bodies.js';
import { conversationListResponse, conversationView, userStatsResponse, userStatsView } from './conversation-views.js';
import { endpoint, serveEndpoint } from './endpoint.js';
import type { RouteOptions } from './route.js';
import type { TemplatedApp } from './uws.js';

const { STORAGE_UNAVAILABLE } = ErrorCode;
const tag = 'conversations';
const aList = { status: 200, description: 'a page of conversations', schema: conversationListResponse };

/** A user's conversation list, the changes since a sync, and the user's totals. */
export const conversationEndpoints = {
  userGroups: endpoint({
    method: 'post', pattern: '/v1/users/:user_id/groups', tag, access: 'apiKey',
    summary: 'List a user\'s conversations',
    description: 'Every conversation by default (not only unread ones), hidden ones left out unless `hidden` asks; pinned '
      + 'first, then by the later of highlight and last message. Page on with `until` = the last row\'s `last_message_time`.',
    body: groupListBody, response: aList, errors: [STORAGE_UNAVAILABLE],
  }),
  groupUpdates: endpoint({
    method: 'post', pattern: '/v1/users/:user_id/groups/updates', tag, access: 'apiKey',
    summary: 'Conversations changed since the last sync',
    description: 'Every conversation whose `last_updated_time` is after `since`: new messages, reads, hide, bookmark, '
      + 'highlight, delete, group changes. Hidden and deleted ones included, so an app learns of those too.',
    body: groupUpdatesBody, response: aList, errors: [STORAGE_UNAVAILABLE],
  }),
  userStats: endpoint({
    method: 'post', pattern: '/v1/userstats/:user_id', tag, access: 'apiKey',
    summary: 'A user\'s totals: unread, groups, one-to-ones, last send',
    body: userStatsBody, response: { status: 200, description: 'the totals', schema: userStatsResponse },
    errors: [STORAGE_UNAVAILABLE],
  }),
};

type ListBody = { per_page: number; hidden?: boolean | null; deleted?: boolean | null; only_unread: boolean; count_unread: boolean;
  receiver_stats: boolean; group_type?: number };
/** Absent `hidden` and `deleted` mean false: a list shows what the member did not put away, unless asked. */
const orFalse = (v: boolean | null | undefined) => (v === undefined ? false : v);
const listOptions = (b: ListBody): ListOptions => ({ perPage: b.per_page, hidden: orFalse(b.hidden), deleted: orFalse(b.deleted),
  onlyUnread: b.only_unread, countUnread: b.count_unread, receiverStats: b.receiver_stats, groupType: b.group_type });

export function conversationRoutes(app: TemplatedApp, dino: Dino, options: RouteOptions): void {
  const e = conversationEndpoints;
  serveEndpoint(app, options, e.userGroups, async ({ params, body }) => (await dino.conversations.list(params.user_id,
    { ...listOptions(body), until: body.until })).map((row) => conversationView(row, body.receiver_stats)));

  serveEndpoint(app, options, e.groupUpdates, async ({ params, body }) => (await dino.conversations.updates(params.user_id,
    { ...listOptions(body), since: body.since, until: body.until })).map((row) => conversationView(row, body.receiver_stats)));

  serveEndpoint(app, options, e.userStats, async ({ params, body }) => userStatsView(params.user_id,
    await dino.conversations.stats(params.user_id, { hidden: orFalse(body.hidden), deleted: orFalse(body.deleted), countUnread: body.count_unread })));
}
