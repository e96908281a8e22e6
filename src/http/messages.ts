import { ErrorCode } from '../core/errors.js';
import type { Dino } from '../core/dino.js';
import { endpoint, serveEndpoint } from './endpoint.js';
import type { RouteOptions } from './route.js';
import { historyBody, sendBody, sendToUserBody } from './schemas.js';
import type { TemplatedApp } from './uws.js';
import { historyResponse, historyView, messageJson, messageResponse } from './presenters.js';
import { JsonText } from './reply.js';
import type { Message } from '../core/model.js';

const { USER_KICKED, USER_NOT_IN_GROUP, NO_SUCH_GROUP, GROUP_NOT_OPEN, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE, EVENT_TOO_LARGE } = ErrorCode;
const tag = 'messages';
const theMessage = { status: 200, description: 'the message', schema: messageResponse };

/** Sends honour `Idempotency-Key` (when the server has an idempotency store); reads need not. */
export const messageEndpoints = {
  sendToGroup: endpoint({
    method: 'post', pattern: '/v1/groups/:group_id/user/:user_id/send', tag, access: 'apiKey', idempotent: true,
    summary: 'Send a message to a group', description: 'The `message` event goes to every member, the sender included.',
    body: sendBody, response: theMessage,
    errors: [USER_NOT_IN_GROUP, NO_SUCH_GROUP, GROUP_NOT_OPEN, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE, EVENT_TOO_LARGE],
  }),
  sendToUser: endpoint({
    method: 'post', pattern: '/v1/users/:user_id/send', tag, access: 'apiKey', idempotent: true,
    summary: 'Send a message to one user',
    description: 'In the pair\'s one-to-one group, created on first use with a fixed id derived from both user ids.',
    body: sendToUserBody, response: theMessage, errors: [GROUP_NOT_OPEN, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE, EVENT_TOO_LARGE],
  }),
  groupHistory: endpoint({
    method: 'post', pattern: '/v1/groups/:group_id/user/:user_id/histories', tag, access: 'apiKey',
    summary: 'Read a group\'s messages, newest first',
    description: 'Marks the group read for the user: clears its bookmark, highlight and hide, and sends a `read` receipt to the other members of a small group when there was news.',
    body: historyBody, response: { status: 200, description: 'a page of messages', schema: historyResponse },
    errors: [USER_NOT_IN_GROUP, NO_SUCH_GROUP, USER_KICKED, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE],
  }),
};

export function messageRoutes(app: TemplatedApp, dino: Dino, options: RouteOptions): void {
  const e = messageEndpoints;
  // A send's answer is written out, not serialised from its view (messageJson): every send answers one.
  const answer = (m: Message) => new JsonText(messageJson(m));
  serveEndpoint(app, options, e.sendToGroup, ({ params, body }) => dino.messages.sendToGroup(
    params.group_id, params.user_id, { messagePayload: body.message_payload, messageType: body.message_type }).then(answer));

  serveEndpoint(app, options, e.sendToUser, ({ params, body }) => dino.messages.sendToUser(
    params.user_id, body.receiver_id, { messagePayload: body.message_payload, messageType: body.message_type }).then(answer));

  serveEndpoint(app, options, e.groupHistory, async ({ params, body }) => historyView(await dino.memberStates.open(
    params.group_id, params.user_id, { perPage: body.per_page, until: body.until, since: body.since })));

}
