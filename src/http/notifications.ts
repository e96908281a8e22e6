import { ErrorCode } from '../core/errors.js';
import type { Dino } from '../core/dino.js';
import { endpoint, serveEndpoint } from './endpoint.js';
import { notificationResponse } from './presenters.js';
import { checkRecipients } from './recipients.js';
import type { RouteOptions } from './route.js';
import { notificationBody } from './schemas.js';
import type { TemplatedApp } from './uws.js';

export const notificationEndpoints = {
  sendNotification: endpoint({
    method: 'post', pattern: '/v1/notification/send', tag: 'notifications', access: 'apiKey', idempotent: true,
    summary: 'Send notifications to users',
    description: 'Each entry\'s `data`, with `event_type` and `group_id` added, goes to each listed user (at most '
      + 'DINO_MAX_RECIPIENTS ids over all entries; bodies up to DINO_NOTIFICATION_BODY_LIMIT).',
    body: notificationBody, response: { status: 201, description: 'queued', schema: notificationResponse },
    errors: [ErrorCode.QUEUE_UNAVAILABLE, ErrorCode.EVENT_TOO_LARGE],
  }),
};

/** `maxRecipients`: user ids one request may list, over all its entries. */
export function notificationRoutes(app: TemplatedApp, dino: Dino, options: RouteOptions, maxRecipients: number): void {
  serveEndpoint(app, options, notificationEndpoints.sendNotification, async ({ body }) => dino.notifications.send({
    eventType: body.event_type,
    groupId: body.group_id,
    notification: await checkRecipients(body.notification, maxRecipients),
  }));
}
