import { z } from 'zod';
import { ErrorCode } from '../core/errors.js';
import type { Dino } from '../core/dino.js';
import { writeRequestedActionLog, withActionLog } from './action-logs.js';
import { endpoint, serveEndpoint } from './endpoint.js';
import { named } from './openapi/named.js';
import type { RouteOptions } from './route.js';
import { createGroupBody, groupInfoBody, joinBody, leaveBody, updateGroupBody } from './schemas.js';
import type { TemplatedApp } from './uws.js';
import { groupResponse, groupUsersResponse, groupUsersView, groupView } from './presenters.js';

const { USER_NOT_IN_GROUP, NO_SUCH_GROUP, GROUP_NOT_OPEN, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE, EVENT_TOO_LARGE } = ErrorCode;
const tag = 'groups';
const theGroup = { status: 200, description: 'the group', schema: groupResponse };
const changedGroup = { status: 200, description: 'the group, and the action log if the body asked for one',
  schema: named('ChangedGroup', groupResponse.extend(withActionLog)) };
/** A change asked with an action log may also fail as a send does (README, "Action logs"). */
const actionLogErrors = [USER_NOT_IN_GROUP, GROUP_NOT_OPEN, EVENT_TOO_LARGE] as const;
const groupInfoResponse = named('GroupInfo', groupResponse.extend({
  message_amount: z.number().int().min(-1).describe('the group\'s messages, counted up to 100 000 with count_messages; else -1'),
}));

export const groupEndpoints = {
  createGroup: endpoint({
    method: 'post', pattern: '/v1/users/:user_id/groups/create', tag, access: 'apiKey',
    summary: 'Create a group', description: 'The `group` event goes to every member, the creator included.',
    body: createGroupBody, response: theGroup, errors: [STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE],
  }),
  getGroup: endpoint({
    method: 'get', pattern: '/v1/groups/:group_id', tag, access: 'apiKey',
    summary: 'Read a group', response: theGroup, errors: [NO_SUCH_GROUP, STORAGE_UNAVAILABLE],
  }),
  updateGroup: endpoint({
    method: 'put', pattern: '/v1/groups/:group_id', tag, access: 'apiKey',
    summary: 'Update a group', description: 'The `group` event goes to every member; then the `action_log`, if asked for.',
    body: updateGroupBody, response: changedGroup, errors: [NO_SUCH_GROUP, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE, ...actionLogErrors],
  }),
  groupInfo: endpoint({
    method: 'post', pattern: '/v1/groups/:group_id', tag, access: 'apiKey', summary: 'Read a group, with its message count',
    body: groupInfoBody, response: { status: 200, description: 'the group', schema: groupInfoResponse },
    errors: [NO_SUCH_GROUP, STORAGE_UNAVAILABLE],
  }),
  groupUsers: endpoint({
    method: 'get', pattern: '/v1/groups/:group_id/users', tag, access: 'apiKey', summary: 'List the members of a group',
    response: { status: 200, description: 'the members', schema: groupUsersResponse }, errors: [NO_SUCH_GROUP, STORAGE_UNAVAILABLE],
  }),
  joinGroup: endpoint({
    method: 'put', pattern: '/v1/groups/:group_id/join', tag, access: 'apiKey',
    summary: 'Add members to a group',
    description: 'The `join` event goes to every member, the joiners included; then the `action_log`, if asked for.',
    body: joinBody, response: changedGroup, errors: [NO_SUCH_GROUP, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE, ...actionLogErrors],
  }),
  leaveGroup: endpoint({
    method: 'del', pattern: '/v1/groups/:group_id/user/:user_id/join', tag, access: 'apiKey',
    summary: 'Remove a member from a group',
    description: 'The `leave` event goes to the remaining members and the leaver. Leaving twice is not an error. An '
      + '`action_log` is written just before the leave (the leaver is still a member then), and only if there is one.',
    body: leaveBody, response: changedGroup, errors: [NO_SUCH_GROUP, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE, ...actionLogErrors],
  }),
};

export function groupRoutes(app: TemplatedApp, dino: Dino, options: RouteOptions): void {
  const e = groupEndpoints;
  serveEndpoint(app, options, e.createGroup, async ({ params, body }) => groupView(await dino.groups.create(params.user_id, {
    groupName: body.group_name, groupType: body.group_type, users: body.users, description: body.description, meta: body.meta,
  })));

  serveEndpoint(app, options, e.getGroup, async ({ params }) => groupView(await dino.groups.get(params.group_id)));

  serveEndpoint(app, options, e.updateGroup, async ({ params, body }) => ({
    ...groupView(await dino.groups.update(params.group_id, {
      groupName: body.group_name, description: body.description, owner: body.owner, status: body.status,
    })),
    ...await writeRequestedActionLog(dino, params.group_id, undefined, body.action_log),
  }));

  serveEndpoint(app, options, e.groupInfo, async ({ params, body }) => ({
    ...groupView(await dino.groups.get(params.group_id)),
    message_amount: body.count_messages ? await dino.messageEdits.groupMessageCount(params.group_id) : -1,
  }));

  serveEndpoint(app, options, e.groupUsers, async ({ params }) => groupUsersView(await dino.groups.snapshot(params.group_id)));

  serveEndpoint(app, options, e.joinGroup, async ({ params, body }) => {
    const joined = await dino.groups.join(params.group_id, body.users);
    return { ...groupView(joined), ...await writeRequestedActionLog(dino, params.group_id, undefined, body.action_log) };
  });

  serveEndpoint(app, options, e.leaveGroup, async ({ params, body }) => {
    // Before the leave: the actor (the leaver by default) must be a member, and a failed log leaves the member in.
    const { members } = await dino.groups.snapshot(params.group_id, true);
    const leaving = members.some((m) => m.userId === params.user_id);
    const log = leaving ? await writeRequestedActionLog(dino, params.group_id, params.user_id, body.action_log) : {};
    return { ...groupView(await dino.groups.leave(params.group_id, params.user_id)), ...log };
  });
}
