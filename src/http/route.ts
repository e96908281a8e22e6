import { Errors } from '../core/errors.js';
import { hasApiKey } from './api-key.js';
import type { IdempotencyStore } from '../core/ports/idempotency.js';
import { logger } from '../log.js';
import { parseJson, readBody } from './body.js';
import { guarded } from './guard.js';
import { sendError, sendJson } from './reply.js';
import { declaredLength, unsupportedBody } from './request-headers.js';
import type { TemplatedApp } from './uws.js';

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
  /** DINO_API_KEY: any one of them lets a call in (several while keys are rotated). */
  apiKeys?: string[];
  bodyLimit: number;
  /** Browser origins allowed by CORS; empty: none. */
  corsOrigins: readonly string[];
  /** Requests being handled; shutdown waits for it to reach zero before closing storage. */
  inFlight: { count: number };
  /** When given, an `Idempotency-Key` header makes a retry return the first answer instead of running again. */
  idempotency?: IdempotencyStore;
}

type Method = 'get' | 'post' | 'put' | 'del';

/**
 * Registers one endpoint: checks the API key, copies what is needed from the request (it is only valid until the
 * first await), reads and parses the body (JSON only), runs the handler and answers with its result or the error
 * envelope. The handler may also throw before it returns its promise (serveEndpoint's checks of parameters and body
 * do): it is called only inside the answer's try, and that must stay so.
 */
export function route(app: TemplatedApp, method: Method, pattern: string, options: RouteOptions,
  handler: (ctx: RouteContext) => Promise<Answer>, hasBody = method === 'post' || method === 'put'): void {
  const paramCount = (pattern.match(/:/g) ?? []).length;
  app[method](pattern, guarded(options.corsOrigins, (reply, req, headers) => {
    const authorized = hasApiKey(req, options.apiKeys);
    const rawParams: string[] = [];
    for (let i = 0; i < paramCount; i++) rawParams.push(req.getParameter(i) ?? '');
    const notJson = hasBody ? unsupportedBody(headers) : undefined;
    const idempotencyKey = options.idempotency ? req.getHeader('idempotency-key') : '';
    const scope = idempotencyKey ? `${method} ${req.getUrl()} ` : '';
    options.inFlight.count++;
    void (async () => {
      try {
        if (!authorized) throw Errors.unauthorized();
        const params = rawParams.map(decodeParam);
        const body = hasBody ? parseJson(await readBody(reply, declaredLength(headers), options.bodyLimit, notJson)) : {};
        const run = () => handler({ params, body });
        const answer = idempotencyKey ? await once(options.idempotency!, scope + checkKey(idempotencyKey), run) : await run();
        sendJson(reply, answer.status, answer.body);
      } catch (err) {
        sendError(reply, err);
      } finally {
        options.inFlight.count--;
      }
    })();
  }));
}

/** Runs the request unless one with the same key already did: then its answer is returned again. */
async function once(store: IdempotencyStore, key: string, run: () => Promise<Answer>): Promise<Answer> {
  const claim = await store.claim(key);
  if (claim.state === 'done') return claim.answer;
  if (claim.state === 'busy') throw Errors.requestInProgress();
  let answer: Answer;
  try {
    answer = await run();
  } catch (err) {
    await store.release(key).catch(() => undefined);
    throw err;
  }
  // The work is done: failing to remember it must not fail the request (the claim expires on its own).
  await store.complete(key, answer).catch((err) => logger.warn({ err }, 'could not record an idempotent answer'));
  return answer;
}

function decodeParam(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw Errors.invalidParameters('path', 'malformed percent-encoding');
  }
}

function checkKey(key: string): string {
  if (key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) throw Errors.invalidParameters('Idempotency-Key', 'expected 1-255 visible ASCII characters');
  return key;
}


export const ok = (body: unknown): Answer => ({ status: 200, body });
