import type { Dino } from '../core/dino.js';
import { ErrorCode } from '../core/errors.js';
import { microsToSeconds } from '../core/time.js';
import { lastReadBody, memberStateBody } from './conversation-bodies.js';
import { conversationResponse, conversationView, lastReadsResponse, markedReadResponse } from './conversation-views.js';
import { writeRequestedActionLog, withActionLog } from './action-logs.js';
import { endpoint, serveEndpoint } from './endpoint.js';
import { named } from './openapi/named.js';
import type { RouteOptions } from './route.js';
import type { TemplatedApp } from './uws.js';

const { USER_NOT_IN_GROUP, NO_SUCH_GROUP, GROUP_NOT_OPEN, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE, EVENT_TOO_LARGE } = ErrorCode;
const tag = 'member state';
const theConversation = { status: 200, description: 'the group and the member\'s state', schema: conversationResponse };

/** One member's own state in a group: read it, change it, mark everything read, the members' read marks. */
export const memberStateEndpoints = {
  memberState: endpoint({
    method: 'get', pattern: '/v1/groups/:group_id/user/:user_id', tag, access: 'apiKey',
    summary: 'A member\'s state in a group', description: 'A kicked member still has its state.',
    response: theConversation, errors: [USER_NOT_IN_GROUP, NO_SUCH_GROUP, STORAGE_UNAVAILABLE],
  }),
  updateMemberState: endpoint({
    method: 'put', pattern: '/v1/groups/:group_id/user/:user_id/update', tag, access: 'apiKey',
    summary: 'Change a member\'s state in a group',
    description: 'Only the fields given change. A later `last_read_time` sends a `read` receipt to the other members of '
      + 'a small group (DINO_READ_RECEIPT_MAX_MEMBERS) when there was news. An `action_log` is written after the change.',
    body: memberStateBody, response: { ...theConversation, schema: named('ChangedUserGroup', conversationResponse.extend(withActionLog)) },
    errors: [USER_NOT_IN_GROUP, NO_SUCH_GROUP, GROUP_NOT_OPEN, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE, EVENT_TOO_LARGE],
  }),
  markAllRead: endpoint({
    method: 'put', pattern: '/v1/user/:user_id/read', tag, access: 'apiKey',
    summary: 'Mark every conversation of the user read', description: 'Clears bookmarks and highlights too; receipts as a read.',
    response: { status: 200, description: 'how many were marked', schema: markedReadResponse },
    errors: [STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE],
  }),
  lastReads: endpoint({
    method: 'post', pattern: '/v1/groups/:group_id/lastread', tag, access: 'apiKey',
    summary: 'Members\' read marks', body: lastReadBody,
    response: { status: 200, description: 'read marks', schema: lastReadsResponse },
    errors: [USER_NOT_IN_GROUP, NO_SUCH_GROUP, STORAGE_UNAVAILABLE],
  }),
};

export function memberStateRoutes(app: TemplatedApp, dino: Dino, options: RouteOptions): void {
  const e = memberStateEndpoints;
  const describe = async (c: Parameters<Dino['conversations']['describe']>[0]) =>
    conversationView(await dino.conversations.describe(c, { countUnread: true, receiverStats: true }), true);

  serveEndpoint(app, options, e.memberState, async ({ params }) =>
    describe(await dino.memberStates.conversation(params.group_id, params.user_id)));

  serveEndpoint(app, options, e.updateMemberState, async ({ params, body }) => {
    const changed = await dino.memberStates.update(params.group_id, params.user_id, {
      lastReadTime: body.last_read_time, deleteBefore: body.delete_before, highlightTime: body.highlight_time,
      hide: body.hide, bookmark: body.bookmark, pin: body.pin, rating: body.rating, notifications: body.notifications,
      kicked: body.kicked,
    });
    return { ...await describe(changed), ...await writeRequestedActionLog(dino, params.group_id, params.user_id, body.action_log) };
  });

  serveEndpoint(app, options, e.markAllRead, async ({ params }) => ({ groups: await dino.memberStates.markAllRead(params.user_id) }));

  serveEndpoint(app, options, e.lastReads, async ({ params, body }) => ({
    group_id: params.group_id,
    last_read_times: (await dino.memberStates.lastReads(params.group_id, body.user_id))
      .map((r) => ({ user_id: r.userId, last_read_time: microsToSeconds(r.lastReadTime) })),
  }));
}
