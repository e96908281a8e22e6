import { ErrorCode } from '../core/errors.js';
import type { Dino } from '../core/dino.js';
import { endpoint, serveEndpoint } from './endpoint.js';
import type { RouteOptions } from './route.js';
import { createGroupBody, joinBody, updateGroupBody } from './schemas.js';
import type { TemplatedApp } from './uws.js';
import { groupResponse, groupUsersResponse, groupUsersView, groupView } from './presenters.js';

const { NO_SUCH_GROUP, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE } = ErrorCode;
const tag = 'groups';
const theGroup = { status: 200, description: 'the group', schema: groupResponse };

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
    summary: 'Update a group', description: 'The `group` event goes to every member.',
    body: updateGroupBody, response: theGroup, errors: [NO_SUCH_GROUP, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE],
  }),
  groupUsers: endpoint({
    method: 'get', pattern: '/v1/groups/:group_id/users', tag, access: 'apiKey', summary: 'List the members of a group',
    response: { status: 200, description: 'the members', schema: groupUsersResponse }, errors: [NO_SUCH_GROUP, STORAGE_UNAVAILABLE],
  }),
  joinGroup: endpoint({
    method: 'put', pattern: '/v1/groups/:group_id/join', tag, access: 'apiKey',
    summary: 'Add members to a group', description: 'The `join` event goes to every member, the joiners included.',
    body: joinBody, response: theGroup, errors: [NO_SUCH_GROUP, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE],
  }),
  leaveGroup: endpoint({
    method: 'del', pattern: '/v1/groups/:group_id/user/:user_id/join', tag, access: 'apiKey',
    summary: 'Remove a member from a group',
    description: 'The `leave` event goes to the remaining members and the leaver. Leaving twice is not an error.',
    response: theGroup, errors: [NO_SUCH_GROUP, STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE],
  }),
};

export function groupRoutes(app: TemplatedApp, dino: Dino, options: RouteOptions): void {
  const e = groupEndpoints;
  serveEndpoint(app, options, e.createGroup, async ({ params, body }) => groupView(await dino.groups.create(params.user_id, {
    groupName: body.group_name, groupType: body.group_type, users: body.users, description: body.description, meta: body.meta,
  })));

  serveEndpoint(app, options, e.getGroup, async ({ params }) => groupView(await dino.groups.get(params.group_id)));

  serveEndpoint(app, options, e.updateGroup, async ({ params, body }) => groupView(await dino.groups.update(params.group_id, {
    groupName: body.group_name, description: body.description, owner: body.owner, status: body.status,
  })));

  serveEndpoint(app, options, e.groupUsers, async ({ params }) => groupUsersView(await dino.groups.snapshot(params.group_id)));

  serveEndpoint(app, options, e.joinGroup, async ({ params, body }) =>
    groupView(await dino.groups.join(params.group_id, body.users)));

  serveEndpoint(app, options, e.leaveGroup, async ({ params }) =>
    groupView(await dino.groups.leave(params.group_id, params.user_id)));
}
