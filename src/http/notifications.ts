import type { Dino } from '../core/dino.js';
import { checkRecipients } from './recipients.js';
import { created, route, type RouteOptions } from './route.js';
import { notificationBody } from './schemas.js';
import type { TemplatedApp } from './uws.js';

/** `maxRecipients`: user ids one request may list, over all its entries. */
export function notificationRoutes(app: TemplatedApp, dino: Dino, options: RouteOptions, maxRecipients: number): void {
  route(app, 'post', '/v1/notification/send', options, async ({ body }) => {
    const input = notificationBody.parse(body);
    return created(await dino.notifications.send({
      eventType: input.event_type,
      groupId: input.group_id,
      notification: await checkRecipients(input.notification, maxRecipients),
    }));
  });
}
