import { nextTurn } from '../core/turns.js';
import { corsHeaders } from './cors.js';
import { sendError, type Reply } from './reply.js';
import { ambiguousLength, readHeaders, type RequestHeaders } from './request-headers.js';
import type { HttpRequest, HttpResponse } from './uws.js';

export type Handle = (reply: Reply, req: HttpRequest, headers: RequestHeaders) => void;

/**
 * What every endpoint starts with: the reply, whose abort is tracked, the headers read once, CORS headers for a
 * listed origin, and the refusal (400, connection closed) of a request whose length is ambiguous.
 */
export function guarded(corsOrigins: readonly string[], handle: Handle): (res: HttpResponse, req: HttpRequest) => void {
  return (res, req) => {
    const headers = readHeaders(req);
    const reply: Reply = { res, aborted: false, headers: corsHeaders(corsOrigins, headers.origin) };
    res.onAborted(() => {
      reply.aborted = true;
      reply.onAbort?.();
    });
    const ambiguous = ambiguousLength(headers);
    if (!ambiguous) return handle(reply, req, headers);
    // Answered on a later turn: uWS goes on parsing what follows in the same packet, and a smuggled request
    // pipelined behind one still unanswered makes uWS drop the connection instead of running it.
    reply.closeConnection = true;
    void nextTurn().then(() => sendError(reply, ambiguous));
  };
}
