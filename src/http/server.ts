import type { Auth } from '../auth/open.js';
import type { HttpConfig } from '../config.js';
import type { Dino } from '../core/dino.js';
import { Errors } from '../core/errors.js';
import { brokerHookRoutes } from './broker-hooks.js';
import type { ConsoleBroker } from './console/broker.js';
import type { DeliveryHistory } from './console/history.js';
import { consoleSiteRoutes } from './console/site.js';
import { consoleStatusRoutes } from './console/status.js';
import { docsRoutes } from './docs.js';
import { actionLogRoutes } from './action-logs.js';
import { attachmentRoutes } from './attachments.js';
import { groupRoutes } from './groups.js';
import { guarded } from './guard.js';
import { healthRoutes, type ReadinessCheck } from './health.js';
import { messageRoutes } from './messages.js';
import { conversationRoutes } from './conversations.js';
import { memberStateRoutes } from './member-state.js';
import { messageEditRoutes } from './message-edits.js';
import { metered } from './metered.js';
import { metricsRoutes } from './metrics.js';
import { notificationRoutes } from './notifications.js';
import { apiDocument } from './openapi/api.js';
import { preflightRoutes } from './preflight.js';
import { recordRoutes, type RegisteredRoute } from './registered-routes.js';
import { sendError } from './reply.js';
import { tokenRoutes } from './tokens.js';
import { uws, type TemplatedApp, type us_listen_socket } from './uws.js';
import type { IdempotencyStore } from '../core/ports/idempotency.js';
import type { Exposition, HealthSource, HttpRecorder } from '../metrics/recorders.js';

/** The process's metrics: every request is measured, and `/metrics` serves them (behind `keys` when set). */
export interface ServedMetrics {
  recorder: HttpRecorder & Exposition & HealthSource;
  keys?: string[];
}

/** The REST API on uWebSockets.js. */
export class HttpServer {
  private listenSocket: us_listen_socket | null = null;
  /** Every route registered, as method and pattern: what the OpenAPI document is held to. */
  readonly routes: RegisteredRoute[] = [];
  private readonly app: TemplatedApp;
  private readonly inFlight = { count: 0 };
  private readonly consoleHistory?: DeliveryHistory;

  constructor(dino: Dino, private readonly options: HttpConfig, checks: ReadinessCheck[], metrics: ServedMetrics,
    idempotency?: IdempotencyStore, auth?: Auth | null, consoleBroker?: ConsoleBroker) {
    const app = recordRoutes(uws.App(), this.routes);
    this.app = metered(app, metrics.recorder);
    const { corsOrigins } = options;
    const routeOptions = { apiKeys: options.apiKeys, bodyLimit: options.bodyLimit, corsOrigins, inFlight: this.inFlight };
    healthRoutes(this.app, checks);
    groupRoutes(this.app, dino, routeOptions);
    messageRoutes(this.app, dino, { ...routeOptions, idempotency });
    conversationRoutes(this.app, dino, routeOptions);
    memberStateRoutes(this.app, dino, routeOptions);
    messageEditRoutes(this.app, dino, routeOptions);
    actionLogRoutes(this.app, dino, routeOptions);
    attachmentRoutes(this.app, dino, routeOptions);
    notificationRoutes(this.app, dino, { ...routeOptions, idempotency, bodyLimit: options.notificationBodyLimit }, options.maxRecipients);
    tokenRoutes(this.app, auth?.tokens, routeOptions);
    brokerHookRoutes(this.app, auth?.policy, routeOptions);
    docsRoutes(this.app, corsOrigins, apiDocument());
    metricsRoutes(this.app, metrics.recorder, metrics.keys);
    if (options.console) {
      consoleSiteRoutes(this.app, corsOrigins, consoleBroker, options.apiKeys !== undefined);
      this.consoleHistory = consoleStatusRoutes(this.app, routeOptions, checks, metrics.recorder);
    }
    preflightRoutes(this.app, corsOrigins);
    this.app.any('/*', guarded(corsOrigins, (reply, req) =>
      sendError(reply, Errors.notFound(req.getMethod().toUpperCase(), req.getUrl()))));
  }

  /** Starts listening; resolves with the bound port (port 0 picks a free one). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.app.listen(this.options.host, this.options.port, (socket) => {
        if (!socket) return reject(new Error(`cannot listen on ${this.options.host}:${this.options.port} (DINO_HTTP_PORT): is the port in use?`));
        this.listenSocket = socket;
        resolve(uws.us_socket_local_port(socket));
      });
    });
  }

  /** Stops accepting connections, then waits (up to `graceMs`) for the requests in progress to be answered. */
  async drain(graceMs = 10_000): Promise<void> {
    this.consoleHistory?.stop();
    if (this.listenSocket) uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
    const deadline = Date.now() + graceMs;
    while (this.inFlight.count > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }
}
