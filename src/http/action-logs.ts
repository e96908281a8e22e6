import { z } from 'zod';
import type { Dino } from '../core/dino.js';
import { ErrorCode } from '../core/errors.js';
import { endpoint, serveEndpoint } from './endpoint.js';
import { named } from './openapi/named.js';
import { messageResponse, messageView } from './presenters.js';
import type { RouteOptions } from './route.js';
import type { TemplatedApp } from './uws.js';

const { STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE, EVENT_TOO_LARGE } = ErrorCode;

/** What an answer gains when the request wrote an action log with its change. */
export const withActionLog = { action_log: messageResponse.optional().describe('the action log written with the change, if one was asked for') };

/**
 * Writes the action log a change asked for; nothing without one. The actor is `user_id`, else `pathUser`. Callers
 * write it after their change (so a `delete_before` set by the same call does not hide it), a leave before.
 */
export async function writeRequestedActionLog(dino: Dino, groupId: string, pathUser: number | undefined,
  field: { payload: string; user_id?: number } | undefined): Promise<{ action_log?: z.output<typeof messageResponse> }> {
  if (!field) return {};
  return { action_log: messageView(await dino.actionLogs.write(groupId, field.user_id ?? pathUser!, field.payload)) };
}

const allGroupsBody = named('AllGroupsActionLogBody', z.object({ payload: z.string().max(256 * 1024).describe('the action log\'s text') }));
const allGroupsResponse = named('AllGroupsActionLogs', z.strictObject({
  action_logs: z.array(messageResponse).describe('one per group the user is a member of (kicked and closed groups left out)'),
}));

export const actionLogEndpoints = {
  allGroupsActionLog: endpoint({
    method: 'post', pattern: '/v1/users/:user_id/groups/actions', tag: 'message edits', access: 'apiKey',
    summary: 'Write an action log in every group of the user',
    description: 'The original\'s nickname change: one message of type `action_log` per group, each announced as an '
      + '`action_log` event to that group\'s members.',
    body: allGroupsBody, response: { status: 200, description: 'the action logs written', schema: allGroupsResponse },
    errors: [STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE, EVENT_TOO_LARGE],
  }),
};

export function actionLogRoutes(app: TemplatedApp, dino: Dino, options: RouteOptions): void {
  serveEndpoint(app, options, actionLogEndpoints.allGroupsActionLog, async ({ params, body }) =>
    ({ action_logs: (await dino.actionLogs.inAllGroups(params.user_id, body.payload)).map(messageView) }));
}
