import type { Dino } from '../core/dino.js';
import { created, route, type RouteOptions } from './route.js';
import { notificationBody } from './schemas.js';
import type { TemplatedApp } from './uws.js';

export function notificationRoutes(app: TemplatedApp, dino: Dino, options: RouteOptions): void {
  route(app, 'post', '/v1/notification/send', options, async ({ body }) => {
    const input = notificationBody.parse(body);
    return created(await dino.notifications.send({
      eventType: input.event_type,
      groupId: input.group_id,
      notification: input.notification.map((n) => ({ userIds: n.user_ids, data: n.data })),
    }));
  });
}
