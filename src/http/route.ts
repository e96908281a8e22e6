import { createHash, timingSafeEqual } from 'node:crypto';
import { Errors } from '../core/errors.js';
import type { IdempotencyStore } from '../core/ports/idempotency.js';
import { logger } from '../log.js';
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
  /** DINO_API_KEY: any one of them lets a call in (several while keys are rotated). */
  apiKeys?: string[];
  bodyLimit: number;
  /** Requests being handled; shutdown waits for it to reach zero before closing storage. */
  inFlight: { count: number };
  /** When given, an `Idempotency-Key` header makes a retry return the first answer instead of running again. */
  idempotency?: IdempotencyStore;
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
    const authorized = isAuthorized(req, options.apiKeys);
    const rawParams = Array.from({ length: paramCount }, (_, i) => req.getParameter(i));
    const declaredLength = Number(req.getHeader('content-length') || 0);
    const idempotencyKey = options.idempotency ? req.getHeader('idempotency-key') : '';
    const scope = `${method} ${req.getUrl()} `;
    options.inFlight.count++;
    void (async () => {
      try {
        if (!authorized) throw Errors.unauthorized();
        const params = rawParams.map(decodeParam);
        const body = hasBody ? parseJson(await readBody(reply, declaredLength, options.bodyLimit)) : {};
        const run = () => handler({ params, body });
        const answer = idempotencyKey ? await once(options.idempotency!, scope + checkKey(idempotencyKey), run) : await run();
        sendJson(reply, answer.status, answer.body);
      } catch (err) {
        sendError(reply, err);
      } finally {
        options.inFlight.count--;
      }
    })();
  });
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

/** Compares in constant time (as digests, so the length of a key does not leak either). */
function isAuthorized(req: HttpRequest, apiKeys: string[] | undefined): boolean {
  if (apiKeys === undefined) return true;
  const header = req.getHeader('authorization');
  if (!header.startsWith('Bearer ')) return false;
  const given = digest(header.slice(7));
  let match = false;
  for (const key of apiKeys) match = timingSafeEqual(given, digest(key)) || match;
  return match;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

export const ok = (body: unknown): Answer => ({ status: 200, body });
export const created = (body: unknown): Answer => ({ status: 201, body });
