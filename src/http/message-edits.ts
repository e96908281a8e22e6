import { z } from 'zod';
import type { Dino } from '../core/dino.js';
import { ErrorCode, Errors } from '../core/errors.js';
import { oneToOneGroupId } from '../core/ids.js';
import { microsToSeconds } from '../core/time.js';
import { endpoint, serveEndpoint } from './endpoint.js';
import { named } from './openapi/named.js';
import { messageResponse, messageView } from './presenters.js';
import type { RouteOptions } from './route.js';
import { groupId, userId } from './schemas.js';
import type { TemplatedApp } from './uws.js';

const { USER_NOT_IN_GROUP, NO_SUCH_GROUP, NO_SUCH_MESSAGE, GROUP_NOT_OPEN, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE, EVENT_TOO_LARGE } = ErrorCode;
const tag = 'message edits';
/** Any UUID-shaped id (one-to-one ids are not RFC 4122 UUIDs, so zod's uuid() would refuse them). */
export const gid = groupId.transform((s) => s.toLowerCase());
export const payload = z.string().max(256 * 1024);
/** The original locates a message by its time too; a Dino message id carries its time, so it is accepted and unused. */
export const createdAt = z.number().optional().describe('accepted for the original\'s clients; the message id already locates the message');
/** Exactly one of group_id and receiver_id (the pair's one-to-one) names the group. */
export const whichGroup = { group_id: gid.optional(), receiver_id: userId.optional() };

const editBody = named('EditMessageBody', z.object({ ...whichGroup, message_payload: payload, created_at: createdAt }));
const infoBody = named('MessageInfoBody', z.object({ group_id: gid, created_at: createdAt }));
const actionLogBody = named('ActionLogBody', z.object({ ...whichGroup, payload: payload.describe('the action log\'s text') }));
const editedResponse = named('EditedMessage', messageResponse.extend({ updated_at: z.number().describe('float UNIX seconds') }));
const countBody = named('CountMessagesBody', z.object({
  only_attachments: z.boolean().default(false).describe('count the listed attachments (images, videos) instead of the messages'),
}));
const countResponse = named('MessageCount', z.strictObject({
  group_id: z.string(), user_id: userId, delete_before: z.number(),
  message_count: z.number().int().min(0).describe('messages (or attachments) after delete_before, counted up to 100 000'),
}));

export function groupOf(userIdValue: number, body: { group_id?: string; receiver_id?: number }): string {
  if ((body.group_id === undefined) === (body.receiver_id === undefined)) {
    throw Errors.invalidParameters('group_id', 'give exactly one of group_id and receiver_id');
  }
  return body.group_id ?? oneToOneGroupId(userIdValue, body.receiver_id!);
}

/** Editing and deleting one's own messages, reading one message, counting a member's messages, action logs. */
export const messageEditEndpoints = {
  editMessage: endpoint({
    method: 'put', pattern: '/v1/users/:user_id/message/:message_id/edit', tag, access: 'apiKey',
    summary: 'Edit one\'s own message', description: 'The `edit` event goes to every member. Another user\'s message is 602.',
    body: editBody, response: { status: 200, description: 'the edited message', schema: editedResponse },
    errors: [NO_SUCH_GROUP, NO_SUCH_MESSAGE, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE, EVENT_TOO_LARGE],
  }),
  deleteMessage: endpoint({
    method: 'del', pattern: '/v1/groups/:group_id/user/:user_id/message/:message_id', tag, access: 'apiKey',
    summary: 'Delete one\'s own message', description: 'The `delete` event goes to every member. Another user\'s message is 602.',
    response: { status: 200, description: 'the deleted message', schema: messageResponse },
    errors: [NO_SUCH_GROUP, NO_SUCH_MESSAGE, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE],
  }),
  messageInfo: endpoint({
    method: 'post', pattern: '/v1/users/:user_id/message/:message_id/info', tag, access: 'apiKey',
    summary: 'One message', body: infoBody, response: { status: 200, description: 'the message', schema: messageResponse },
    errors: [NO_SUCH_GROUP, NO_SUCH_MESSAGE, STORAGE_UNAVAILABLE],
  }),
  countMessages: endpoint({
    method: 'post', pattern: '/v1/groups/:group_id/user/:user_id/count', tag, access: 'apiKey',
    summary: 'How many messages a member sees', body: countBody,
    response: { status: 200, description: 'the count', schema: countResponse },
    errors: [USER_NOT_IN_GROUP, NO_SUCH_GROUP, STORAGE_UNAVAILABLE],
  }),
  actionLog: endpoint({
    method: 'post', pattern: '/v1/users/:user_id/actions', tag, access: 'apiKey',
    summary: 'Write an action log', description: 'A message of type `action_log` by the user, announced as an `action_log` event.',
    body: actionLogBody, response: { status: 200, description: 'the action log', schema: messageResponse },
    errors: [USER_NOT_IN_GROUP, NO_SUCH_GROUP, GROUP_NOT_OPEN, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE, EVENT_TOO_LARGE],
  }),
};

export function messageEditRoutes(app: TemplatedApp, dino: Dino, options: RouteOptions): void {
  const e = messageEditEndpoints;
  serveEndpoint(app, options, e.editMessage, async ({ params, body }) => {
    const { message, updatedAt } = await dino.messageEdits.edit(params.user_id, groupOf(params.user_id, body),
      params.message_id, body.message_payload);
    return { ...messageView(message), updated_at: microsToSeconds(updatedAt) };
  });

  serveEndpoint(app, options, e.deleteMessage, async ({ params }) =>
    messageView(await dino.messageEdits.remove(params.user_id, params.group_id, params.message_id)));

  serveEndpoint(app, options, e.messageInfo, async ({ params, body }) =>
    messageView(await dino.messageEdits.info(body.group_id, params.message_id)));

  serveEndpoint(app, options, e.countMessages, async ({ params, body }) => {
    const { deleteBefore, count } = await dino.messageEdits.count(params.group_id, params.user_id, body.only_attachments);
    return { group_id: params.group_id, user_id: params.user_id, delete_before: microsToSeconds(deleteBefore), message_count: count };
  });

  // With receiver_id the pair's one-to-one is created if need be, as a first message would create it.
  serveEndpoint(app, options, e.actionLog, async ({ params, body }) => {
    const input = { messagePayload: body.payload, messageType: 'action_log', actionLog: true };
    const groupId = groupOf(params.user_id, body);
    return messageView(await (body.receiver_id === undefined ? dino.messages.sendToGroup(groupId, params.user_id, input)
      : dino.messages.sendToUser(params.user_id, body.receiver_id, input)));
  });
}
