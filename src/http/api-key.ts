import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from './uws.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * True when no key is configured, or the request presents one of DINO_API_KEY's keys as `Authorization: Bearer`
 * (or, where `queryParameter` names one, in the URL: for brokers whose hooks cannot send headers). Compared in
 * constant time, as digests, so neither a key nor its length leaks.
 */
export function hasApiKey(req: HttpRequest, apiKeys: string[] | undefined, queryParameter?: string): boolean {
  if (apiKeys === undefined) return true;
  const header = req.getHeader('authorization');
  const given = header.startsWith('Bearer ') ? header.slice(7) : queryParameter ? req.getQuery(queryParameter) : undefined;
  if (!given) return false;
  const presented = digest(given);
  let match = false;
  for (const key of apiKeys) match = timingSafeEqual(presented, digest(key)) || match;
  return match;
}
