/**
 * Pieces of JSON text written without JSON.stringify, for the two texts every send writes (the `message` event,
 * core/events.ts messageEventJson, and the send's answer, http/presenters.ts messageJson). Each gives exactly what
 * JSON.stringify gives for its value; test/unit/json-text.test.ts holds them to that.
 */

/** Printable ASCII but `"` and `\`: JSON writes it as it is, between quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * `JSON.stringify(s)`. Ids, types and most payloads are plain ASCII: one test of a regular expression, then quotes, costs
 * about a third of JSON.stringify's call on a UUID. Anything else (escapes, non-ASCII) goes to JSON.stringify.
 */
export const jsonString = (s: string): string => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s));

/**
 * Below 8·10^15 µs (the year 2223) a time's seconds are a double whose shortest form, which JSON writes, is the whole
 * seconds and the six decimals with trailing zeros dropped: doubles there are less than 10^-6 apart, so six decimals
 * tell each apart and five never do.
 */
const WRITTEN_OUT_MICROS = 8e15;

/**
 * `JSON.stringify(micros / 1e6)`, a time in seconds as the API writes it. Formatting the double costs V8 twice what
 * the digits of two integers cost, and every send writes two.
 */
export function secondsJson(micros: number): string {
  if (!(Number.isSafeInteger(micros) && micros >= 0 && micros < WRITTEN_OUT_MICROS)) return JSON.stringify(micros / 1e6);
  const whole = Math.floor(micros / 1e6);
  const fraction = micros - whole * 1e6;
  if (fraction === 0) return String(whole);
  const digits = String(fraction).padStart(6, '0');
  let end = 6;
  while (digits.charCodeAt(end - 1) === 48 /* '0' */) end--;
  return `${whole}.${digits.slice(0, end)}`;
}
