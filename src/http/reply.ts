import { ZodError } from 'zod';
import { DinoError, ErrorCode, Errors } from '../core/errors.js';
import { logger } from '../log.js';
import type { Header } from './cors.js';
import { answered } from './metered.js';
import { httpStatus, statusLine } from './status.js';
import type { HttpResponse } from './uws.js';

/** Per-response state the handlers share: an aborted response must never be written to. */
export interface Reply {
  res: HttpResponse;
  aborted: boolean;
  /** Set while a body is being read, so an abort settles the read instead of leaving it pending forever. */
  onAbort?: () => void;
  /** Written into the answer, whatever it is (CORS). */
  headers?: readonly Header[];
  /** Close the connection after the answer: what the client sent next on it cannot be trusted. */
  closeConnection?: boolean;
}

const JSON_TYPE: readonly Header[] = [['Content-Type', 'application/json']];

/**
 * A body its endpoint serialised itself (a send's answer: see messageJson); JSON.stringify of it (an idempotent
 * answer kept in Redis) gives its value again.
 */
export class JsonText {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

export function sendJson(reply: Reply, status: number, body: unknown): void {
  send(reply, status, JSON_TYPE, body instanceof JsonText ? body.text : JSON.stringify(body));
}

/** Writes the answer once; `text` undefined: no body and no Content-Length (a 204, which never closes). */
export function send(reply: Reply, status: number, headers: readonly Header[], text?: string | Uint8Array): void {
  if (reply.aborted) return;
  reply.aborted = true; // answered: nothing may be written again
  const { res } = reply;
  answered(res, status);
  res.cork(() => {
    res.writeStatus(statusLine(status));
    for (const [name, value] of headers) res.writeHeader(name, value);
    if (reply.headers) for (const [name, value] of reply.headers) res.writeHeader(name, value);
    if (text === undefined) res.endWithoutBody();
    else res.end(text, reply.closeConnection);
  });
}

/** The error envelope: `{code, detail: "<code>: <message>"}`; unexpected errors are logged and never shown. */
export function sendError(reply: Reply, err: unknown): void {
  const known = asDinoError(err);
  const status = httpStatus(known.code);
  if (known.code === ErrorCode.UNKNOWN) logger.error({ err }, known.message);
  else if (status === 503) logUnavailable(known);
  // A refused body may still be streaming in; the connection stays open and the rest is read and dropped, since
  // closing a socket with unread data resets it and the client could lose the 413 itself.
  sendJson(reply, status, errorEnvelope(known));
}

/** The body of every error answer. */
export const errorEnvelope = (err: DinoError) => ({ code: err.code, detail: `${err.code}: ${err.message}` });

/** 503s are logged at most once a second, with how many were answered since: an outage is one line a second. */
let unavailableSince = 0;
let unavailableCount = 0;
function logUnavailable(err: DinoError): void {
  unavailableCount++;
  if (Date.now() - unavailableSince < 1000) return;
  logger.warn({ code: err.code, answered503: unavailableCount }, err.message);
  unavailableSince = Date.now();
  unavailableCount = 0;
}

function asDinoError(err: unknown): DinoError {
  if (err instanceof DinoError) return err;
  if (err instanceof ZodError) {
    const issue = err.issues[0]!;
    return Errors.invalidParameters(issue.path.length > 0 ? issue.path.join('.') : 'body', issue.message);
  }
  return Errors.unexpected(err);
}
