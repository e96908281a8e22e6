import { Errors, type DinoError } from '../core/errors.js';
import { JsonDepthScanner } from './json-depth.js';
import type { Reply } from './reply.js';

/** Arrays and objects nested deeper than this are refused before parsing (nothing Dino takes nests past 4). */
export const MAX_JSON_DEPTH = 64;

/**
 * Reads the whole request body, refusing it (413) as soon as it passes `limit`, (605) as soon as it nests deeper
 * than MAX_JSON_DEPTH, or at once with `refusal` (a body that is not JSON, say). Depth is followed chunk by chunk as
 * the body arrives, so the check costs no long pause of its own. uWebSockets.js hands out chunks that are only valid
 * during the callback, so each is copied.
 */
export function readBody(reply: Reply, declaredLength: number, limit: number, refusal?: DinoError): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const depth = new JsonDepthScanner(MAX_JSON_DEPTH);
    let size = 0;
    // Refused bodies are still read to their end, and dropped (see sendError).
    let failed = refusal !== undefined || declaredLength > limit;
    if (failed) reject(refusal ?? Errors.bodyTooLarge(limit));
    reply.onAbort = () => {
      failed = true;
      reject(new Error('request aborted'));
    };
    reply.res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > limit) {
        failed = true;
        return reject(Errors.bodyTooLarge(limit));
      }
      const copy = Buffer.from(chunk.slice(0));
      if (depth.tooDeep(copy)) {
        failed = true;
        return reject(Errors.invalidParameters('body', `nested deeper than ${MAX_JSON_DEPTH} levels`));
      }
      chunks.push(copy);
      if (isLast) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
  });
}

/** Parses a body read by readBody (so its depth was checked); an empty body is `{}`. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw Errors.invalidParameters('body', `not valid JSON (${(err as Error).message})`);
  }
}
