export type Header = [name: string, value: string];
const NONE: readonly Header[] = Object.freeze([]);

/**
 * CORS response headers: none at all unless origins are configured; then `Access-Control-Allow-Origin` for a
 * listed origin only (answers differ by origin, hence `Vary`).
 */
export function corsHeaders(allowed: readonly string[], origin: string): readonly Header[] {
  if (allowed.length === 0) return NONE;
  return allowed.includes(origin) ? [['Access-Control-Allow-Origin', origin], ['Vary', 'Origin']] : [['Vary', 'Origin']];
}
