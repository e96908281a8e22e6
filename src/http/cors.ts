export type Header = [name: string, value: string];

/**
 * CORS response headers: none at all unless origins are configured; then `Access-Control-Allow-Origin` for a
 * listed origin only (answers differ by origin, hence `Vary`).
 */
export function corsHeaders(allowed: readonly string[], origin: string): Header[] {
  if (allowed.length === 0) return [];
  return allowed.includes(origin) ? [['Access-Control-Allow-Origin', origin], ['Vary', 'Origin']] : [['Vary', 'Origin']];
}
