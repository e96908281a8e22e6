import { DinoError, ErrorCode } from '../core/errors.js';
import { parseJson, readBody } from './body.js';
import { sendError, sendJson, type Reply } from './reply.js';
import type { HttpRequest, TemplatedApp } from './uws.js';

export interface Answer {
  status: number;
  body: unknown;
}

export interface RouteContext {
  /** Path parameters in pattern order. */
  params: string[];
  /** The parsed JSON body (`{}` when empty); routes validate it with their schema. */
  body: unknown;
}

export interface RouteOptions {
  apiKey?: string;
  bodyLimit: number;
  /** Requests being handled; shutdown waits for it to reach zero before closing storage. */
  inFlight: { count: number };
}

type Method = 'get' | 'post' | 'put' | 'del';

/**
 * Registers one endpoint: checks the API key, copies what is needed from the request (it is only valid until the
 * first await), reads and parses the body, runs the handler and answers with its result or the error envelope.
 */
export function route(app: TemplatedApp, method: Method, pattern: string, options: RouteOptions,
  handler: (ctx: RouteContext) => Promise<Answer>): void {
  const paramCount = (pattern.match(/:/g) ?? []).length;
  const hasBody = method === 'post' || method === 'put';
  app[method](pattern, (res, req) => {
    const reply: Reply = { res, aborted: false };
    res.onAborted(() => {
      reply.aborted = true;
      reply.onAbort?.();
    });
    const authorized = isAuthorized(req, options.apiKey);
    const params = Array.from({ length: paramCount }, (_, i) => decodeURIComponent(req.getParameter(i)));
    const declaredLength = Number(req.getHeader('content-length') || 0);
    options.inFlight.count++;
    void (async () => {
      try {
        if (!authorized) throw new DinoError(ErrorCode.UNAUTHORIZED, 'missing or wrong API key');
        const body = hasBody ? parseJson(await readBody(reply, declaredLength, options.bodyLimit)) : {};
        const answer = await handler({ params, body });
        sendJson(reply, answer.status, answer.body);
      } catch (err) {
        sendError(reply, err);
      } finally {
        options.inFlight.count--;
      }
    })();
  });
}

function isAuthorized(req: HttpRequest, apiKey: string | undefined): boolean {
  return apiKey === undefined || req.getHeader('authorization') === `Bearer ${apiKey}`;
}

export const ok = (body: unknown): Answer => ({ status: 200, body });
export const created = (body: unknown): Answer => ({ status: 201, body });
