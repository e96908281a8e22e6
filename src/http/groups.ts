import type { Dino } from '../core/dino.js';
import { ok, route, type RouteOptions } from './route.js';
import { createGroupBody, groupIdParam, joinBody, updateGroupBody, userIdParam } from './schemas.js';
import type { TemplatedApp } from './uws.js';
import { groupUsersView, groupView } from './presenters.js';

export function groupRoutes(app: TemplatedApp, dino: Dino, options: RouteOptions): void {
  route(app, 'post', '/v1/users/:user_id/groups/create', options, async ({ params, body }) => {
    const input = createGroupBody.parse(body);
    return ok(groupView(await dino.groups.create(userIdParam(params[0]!), {
      groupName: input.group_name, groupType: input.group_type, users: input.users,
      description: input.description, meta: input.meta,
    })));
  });

  route(app, 'get', '/v1/groups/:group_id', options, async ({ params }) =>
    ok(groupView(await dino.groups.get(groupIdParam(params[0]!)))));

  route(app, 'put', '/v1/groups/:group_id', options, async ({ params, body }) => {
    const groupId = groupIdParam(params[0]!);
    const input = updateGroupBody.parse(body);
    return ok(groupView(await dino.groups.update(groupId, {
      groupName: input.group_name, description: input.description, owner: input.owner, status: input.status,
    })));
  });

  route(app, 'get', '/v1/groups/:group_id/users', options, async ({ params }) =>
    ok(groupUsersView(await dino.groups.snapshot(groupIdParam(params[0]!)))));

  route(app, 'put', '/v1/groups/:group_id/join', options, async ({ params, body }) => {
    const groupId = groupIdParam(params[0]!);
    return ok(groupView(await dino.groups.join(groupId, joinBody.parse(body).users)));
  });

  route(app, 'del', '/v1/groups/:group_id/user/:user_id/join', options, async ({ params }) =>
    ok(groupView(await dino.groups.leave(groupIdParam(params[0]!), userIdParam(params[1]!)))));
}
