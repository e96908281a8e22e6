import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from './uws.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * True when no key is configured, or the request presents one of DINO_API_KEY's keys as `Authorization: Bearer`
 * (or, where `queryParameter` names one, in the URL: for brokers whose hooks cannot send headers).
 */
export function hasApiKey(req: HttpRequest, apiKeys: string[] | undefined, queryParameter?: string): boolean {
  if (apiKeys === undefined) return true;
  const header = req.getHeader('authorization');
  const given = header.startsWith('Bearer ') ? header.slice(7) : queryParameter ? req.getQuery(queryParameter) : undefined;
  return isOneOf(given, apiKeys);
}

/** True when an `Authorization` header is `Bearer <one of keys>` (or no keys are configured). */
export function bearerMatches(authorization: string | undefined, keys: string[] | undefined): boolean {
  if (keys === undefined) return true;
  return authorization?.startsWith('Bearer ') === true && isOneOf(authorization.slice(7), keys);
}

/** Compared in constant time, as digests, so neither a key nor its length leaks. */
function isOneOf(given: string | undefined, keys: string[]): boolean {
  if (!given) return false;
  const presented = digest(given);
  let match = false;
  for (const key of keys) match = timingSafeEqual(presented, digest(key)) || match;
  return match;
}
