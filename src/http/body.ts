import { Errors } from '../core/errors.js';
import type { Reply } from './reply.js';


/**
 * Reads the whole request body, refusing it (413) as soon as it passes `limit`. uWebSockets.js hands out chunks
 * that are only valid during the callback, so each is copied.
 */
export function readBody(reply: Reply, declaredLength: number, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Refused bodies are still read to their end, and dropped (see sendError).
    let failed = declaredLength > limit;
    if (failed) reject(Errors.bodyTooLarge(limit));
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
      chunks.push(Buffer.from(chunk.slice(0)));
      if (isLast) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
  });
}

export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw Errors.invalidParameters('body', `not valid JSON (${(err as Error).message})`);
  }
}
