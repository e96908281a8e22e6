import { z } from 'zod';
import { DELETED_STATUS, type RemovedAttachments } from '../core/attachments.js';
import type { Dino } from '../core/dino.js';
import { ErrorCode } from '../core/errors.js';
import type { Attachment } from '../core/model.js';
import { microsToSeconds } from '../core/time.js';
import { withActionLog, writeRequestedActionLog } from './action-logs.js';
import { endpoint, serveEndpoint } from './endpoint.js';
import { createdAt, groupOf, payload, whichGroup } from './message-edits.js';
import { named } from './openapi/named.js';
import { messageResponse, messageView } from './presenters.js';
import type { RouteOptions } from './route.js';
import { actionLogByUser, actionLogOfUser, historyBody } from './schemas.js';
import type { TemplatedApp } from './uws.js';

const { USER_NOT_IN_GROUP, NO_SUCH_GROUP, NO_SUCH_MESSAGE, NO_SUCH_ATTACHMENT, USER_KICKED, GROUP_NOT_OPEN, STORAGE_UNAVAILABLE,
  QUEUE_UNAVAILABLE, EVENT_TOO_LARGE } = ErrorCode;
const tag = 'attachments';
/** Cassandra keys the lookup by it: an empty one is no file id. */
const fileId = z.string().min(1).max(1024).describe('the caller\'s id of the processed file');
const status = z.number().int().default(DELETED_STATUS)
  .describe('set as `status` in each message\'s payload, when that is a JSON object (the original\'s -2: deleted)');

const createBody = named('CreateAttachmentBody', z.object({
  ...whichGroup, file_id: fileId, message_payload: payload.describe('the placeholder\'s new payload'), created_at: createdAt,
  action_log: actionLogOfUser.optional(),
}));
const fileBody = named('AttachmentBody', z.object({ file_id: fileId }));
const deleteByFileBody = named('DeleteAttachmentBody', z.object({ file_id: fileId, status, action_log: actionLogByUser.optional() }));
const deleteOfUserBody = named('DeleteUserAttachmentsBody', z.object({ status, action_log: actionLogOfUser.optional() }));

const attachmentResponse = named('Attachment', messageResponse.extend({
  file_id: z.string(), updated_at: z.number().describe('float UNIX seconds: when the placeholder was processed'),
}));
const removedResponse = named('RemovedAttachments', z.strictObject({
  group_id: z.string(), message_ids: z.array(z.string()), file_ids: z.array(z.string()),
}));

const attachmentView = (a: Attachment): z.output<typeof attachmentResponse> =>
  ({ ...messageView(a), file_id: a.fileId, updated_at: microsToSeconds(a.updatedAt) });
const removedView = (r: RemovedAttachments): z.output<typeof removedResponse> =>
  ({ group_id: r.groupId, message_ids: r.removed.map((a) => a.messageId), file_ids: r.removed.map((a) => a.fileId) });

const removalErrors = [NO_SUCH_GROUP, USER_NOT_IN_GROUP, GROUP_NOT_OPEN, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE, EVENT_TOO_LARGE];

/** The original's attachment API (§5.8): process a placeholder, find it by file id, list, count (in /count), remove. */
export const attachmentEndpoints = {
  createAttachment: endpoint({
    method: 'post', pattern: '/v1/users/:user_id/message/:message_id/attachment', tag, access: 'apiKey',
    summary: 'Give the author\'s placeholder its processed file',
    description: 'The placeholder (a message of an attachment type, DINO_ATTACHMENT_TYPES, sent by this user) gets the '
      + 'new payload and the file id; the `attachment` event goes to every member. Exactly one of `group_id` and '
      + '`receiver_id`. A file id that names another message\'s attachment in the group is 605.',
    body: createBody, response: { status: 200, description: 'the attachment',
      schema: named('CreatedAttachment', attachmentResponse.extend(withActionLog)) },
    errors: [NO_SUCH_GROUP, NO_SUCH_MESSAGE, USER_NOT_IN_GROUP, GROUP_NOT_OPEN, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE, EVENT_TOO_LARGE],
  }),
  attachmentByFile: endpoint({
    method: 'post', pattern: '/v1/groups/:group_id/attachment', tag, access: 'apiKey',
    summary: 'The attachment a file id names', body: fileBody,
    response: { status: 200, description: 'the attachment', schema: attachmentResponse },
    errors: [NO_SUCH_GROUP, NO_SUCH_ATTACHMENT, STORAGE_UNAVAILABLE],
  }),
  listAttachments: endpoint({
    method: 'post', pattern: '/v1/groups/:group_id/user/:user_id/attachments', tag, access: 'apiKey',
    summary: 'A member\'s attachments', description: 'After the member\'s delete_before, newest first; unlisted types '
      + '(DINO_ATTACHMENT_UNLISTED_TYPES: audio) left out. Bounds as the history\'s.',
    body: historyBody, response: { status: 200, description: 'the attachments', schema: z.array(attachmentResponse) },
    errors: [USER_NOT_IN_GROUP, NO_SUCH_GROUP, USER_KICKED, STORAGE_UNAVAILABLE],
  }),
  deleteAttachment: endpoint({
    method: 'del', pattern: '/v1/groups/:group_id/attachment', tag, access: 'apiKey',
    summary: 'Remove the attachment a file id names', description: 'Its message stays (its JSON payload gets `status`); '
      + 'the `delete_attachment` event goes to every member, then the action log, if asked for, is written.',
    body: deleteByFileBody, response: { status: 200, description: 'what was removed', schema: named('RemovedAttachment', removedResponse.extend(withActionLog)) },
    errors: [NO_SUCH_ATTACHMENT, ...removalErrors],
  }),
  deleteUserAttachmentsInGroup: endpoint({
    method: 'del', pattern: '/v1/groups/:group_id/user/:user_id/attachments', tag, access: 'apiKey',
    summary: 'Remove every attachment of the user\'s in a group', description: 'As the removal by file id, for each; one event.',
    body: deleteOfUserBody, response: { status: 200, description: 'what was removed', schema: named('RemovedUserAttachments', removedResponse.extend(withActionLog)) },
    errors: removalErrors,
  }),
  deleteUserAttachments: endpoint({
    method: 'del', pattern: '/v1/user/:user_id/attachments', tag, access: 'apiKey',
    summary: 'Remove every attachment of the user\'s in all its groups', description: 'One `delete_attachment` event per '
      + 'group, and the action log, if asked for, in each of those groups the actor is a member of.',
    body: deleteOfUserBody, response: { status: 200, description: 'what was removed, per group', schema: named('RemovedAttachmentsEverywhere',
      z.strictObject({ groups: z.array(removedResponse), action_logs: z.array(messageResponse) })) },
    errors: removalErrors,
  }),
};

export function attachmentRoutes(app: TemplatedApp, dino: Dino, options: RouteOptions): void {
  const e = attachmentEndpoints;
  serveEndpoint(app, options, e.createAttachment, async ({ params, body }) => {
    const groupId = groupOf(params.user_id, body);
    const attachment = await dino.attachments.create(params.user_id, groupId, params.message_id,
      { fileId: body.file_id, payload: body.message_payload });
    return { ...attachmentView(attachment), ...await writeRequestedActionLog(dino, groupId, params.user_id, body.action_log) };
  });

  serveEndpoint(app, options, e.attachmentByFile, async ({ params, body }) =>
    attachmentView(await dino.attachments.byFile(params.group_id, body.file_id)));

  serveEndpoint(app, options, e.listAttachments, async ({ params, body }) =>
    (await dino.attachments.list(params.group_id, params.user_id, { perPage: body.per_page, until: body.until, since: body.since }))
      .map(attachmentView));

  serveEndpoint(app, options, e.deleteAttachment, async ({ params, body }) => ({
    ...removedView(await dino.attachments.removeByFile(params.group_id, body.file_id, body.status)),
    ...await writeRequestedActionLog(dino, params.group_id, undefined, body.action_log),
  }));

  serveEndpoint(app, options, e.deleteUserAttachmentsInGroup, async ({ params, body }) => ({
    ...removedView(await dino.attachments.removeOfUser(params.group_id, params.user_id, body.status)),
    ...await writeRequestedActionLog(dino, params.group_id, params.user_id, body.action_log),
  }));

  serveEndpoint(app, options, e.deleteUserAttachments, async ({ params, body }) => {
    const removed = await dino.attachments.removeOfUserEverywhere(params.user_id, body.status);
    const actor = body.action_log?.user_id ?? params.user_id;
    const logs = [];
    for (const { groupId } of removed) {
      // The user may have left some of these groups: an action log goes only where its actor is still a member.
      if (!(await dino.groups.snapshot(groupId)).members.some((m) => m.userId === actor)) continue;
      const { action_log: log } = await writeRequestedActionLog(dino, groupId, params.user_id, body.action_log);
      if (log) logs.push(log);
    }
    return { groups: removed.map(removedView), action_logs: logs };
  });
}
