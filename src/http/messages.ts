import type { Dino } from '../core/dino.js';
import { ok, route, type RouteOptions } from './route.js';
import { groupIdParam, historyBody, sendBody, sendToUserBody, userGroupsBody, userIdParam } from './schemas.js';
import type { TemplatedApp } from './uws.js';
import { historyView, messageView, userGroupsView } from './presenters.js';

/** Sends honour `Idempotency-Key` (when `options.idempotency` is set); reads need not. */
export function messageRoutes(app: TemplatedApp, dino: Dino, options: RouteOptions): void {
  const readOptions = { ...options, idempotency: undefined };
  route(app, 'post', '/v1/groups/:group_id/user/:user_id/send', options, async ({ params, body }) => {
    const groupId = groupIdParam(params[0]!);
    const senderId = userIdParam(params[1]!);
    const input = sendBody.parse(body);
    return ok(messageView(await dino.messages.sendToGroup(groupId, senderId, { messagePayload: input.message_payload, messageType: input.message_type })));
  });

  route(app, 'post', '/v1/users/:user_id/send', options, async ({ params, body }) => {
    const senderId = userIdParam(params[0]!);
    const input = sendToUserBody.parse(body);
    return ok(messageView(await dino.messages.sendToUser(senderId, input.receiver_id, { messagePayload: input.message_payload, messageType: input.message_type })));
  });

  route(app, 'post', '/v1/groups/:group_id/user/:user_id/histories', readOptions, async ({ params, body }) => {
    const groupId = groupIdParam(params[0]!);
    const userId = userIdParam(params[1]!);
    const input = historyBody.parse(body);
    return ok(historyView(await dino.messages.history(groupId, userId, { perPage: input.per_page, until: input.until, since: input.since })));
  });

  route(app, 'post', '/v1/users/:user_id/groups', readOptions, async ({ params, body }) => {
    const userId = userIdParam(params[0]!);
    const input = userGroupsBody.parse(body);
    return ok(userGroupsView(await dino.messages.userGroups(userId, { perPage: input.per_page, until: input.until })));
  });
}
