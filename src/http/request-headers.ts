import { Errors, type DinoError } from '../core/errors.js';
import type { HttpRequest } from './uws.js';

/** The headers Dino's checks need, read in one pass (uWS's getHeader only ever sees the first of a name). */
export interface RequestHeaders {
  contentLengths: string[];
  transferEncoding: string;
  contentType: string;
  origin: string;
}

export function readHeaders(req: HttpRequest): RequestHeaders {
  const headers: RequestHeaders = { contentLengths: [], transferEncoding: '', contentType: '', origin: '' };
  req.forEach((name, value) => {
    if (name === 'content-length') headers.contentLengths.push(value);
    else if (name === 'transfer-encoding') headers.transferEncoding = value;
    else if (name === 'content-type') headers.contentType = value;
    else if (name === 'origin') headers.origin = value;
  });
  return headers;
}

/**
 * A request whose end is ambiguous: two Content-Length headers, or Content-Length beside Transfer-Encoding. A proxy
 * in front may read it one way and uWS another (uWS takes the first Content-Length), which lets a request be
 * smuggled in behind it. uWS itself drops connections that send Content-Length with Transfer-Encoding.
 */
export function ambiguousLength(headers: RequestHeaders): DinoError | undefined {
  if (headers.contentLengths.length > 1) return Errors.invalidParameters('Content-Length', 'sent more than once');
  if (headers.contentLengths.length === 1 && headers.transferEncoding) {
    return Errors.invalidParameters('Content-Length', 'sent with Transfer-Encoding');
  }
  return undefined;
}

export const declaredLength = (headers: RequestHeaders): number => Number(headers.contentLengths[0] ?? 0);

/** `application/json` or any `application/…+json`, parameters (charset) allowed. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json\s*(;.*)?$/i;

/**
 * A body must say it is JSON; a request without one (no length, no chunks, no type) needs not. Browsers send
 * form and text bodies across origins without asking first, never JSON: this is what keeps pages off the API.
 */
export function unsupportedBody(headers: RequestHeaders): DinoError | undefined {
  if (JSON_MEDIA_TYPE.test(headers.contentType.trim())) return undefined;
  const hasBody = declaredLength(headers) > 0 || headers.transferEncoding !== '';
  if (!hasBody && headers.contentType === '') return undefined;
  return Errors.unsupportedMediaType(headers.contentType);
}
