import fc from 'fast-check';

/** What fast-check makes for the REST fuzz test (test/e2e/fuzz.test.ts): path parameters, bodies and headers. */

const visibleAscii = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
/** Text a header value may hold (node refuses control characters and anything past Latin-1). */
export const headerText = fc.string({ unit: visibleAscii, maxLength: 300 });

/** A path segment: valid ids, near misses, and any text, percent-encoded or left broken. */
export function pathParam(valid: string[]) {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...valid), weight: 6 },
    fc.constantFrom('0', '-5', '01', '1e3', '0x10', '1.5', '9007199254740991', '9007199254740993', '%', '%E0%A4%A', '%00', 'NaN'),
    fc.uuid().map((u) => (u.length % 2 ? u.toUpperCase() : u)),
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
    fc.string({ unit: 'binary', maxLength: 40 }).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, 'x'))),
    fc.string({ unit: visibleAscii, maxLength: 40 }).map((s) => s.replace(/[^\w.~%-]/g, '')),
  );
}

/** Any JSON value, odd numbers and strings (lone surrogates, huge magnitudes) included. */
const jsonValue = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -1, 1.5, 2 ** 53, -(2 ** 53), 1e308, 1e11, 1e-7),
  fc.array(fc.oneof(fc.integer(), fc.double(), fc.string()), { maxLength: 20 }),
);

const userId = fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: -5, max: 2 ** 53 + 5 }));
const seconds = fc.oneof(fc.double({ min: 1.5e9, max: 2e9, noNaN: true }), fc.double());
/** Values close to what each field takes, so that requests get past validation into the domain too. */
function plausible(groupIds: string[]): Record<string, fc.Arbitrary<unknown>> {
  return {
    group_name: fc.string({ maxLength: 30 }), description: fc.option(fc.string({ maxLength: 30 })),
    users: fc.array(userId, { maxLength: 5 }), group_type: fc.integer({ min: -1, max: 256 }), meta: fc.option(fc.integer()),
    owner: fc.option(userId), status: fc.integer({ min: -4, max: 1 }), receiver_id: userId,
    message_payload: fc.string({ unit: 'binary', maxLength: 60 }), message_type: fc.oneof(fc.string({ maxLength: 10 }), fc.integer()),
    per_page: fc.integer({ min: -1, max: 1001 }), until: seconds, since: seconds,
    event_type: fc.string({ maxLength: 70 }), group_id: fc.oneof(fc.constantFrom(...groupIds), fc.uuid()),
    notification: fc.array(fc.record({ user_ids: fc.array(userId, { maxLength: 5 }), data: fc.dictionary(fc.string(), jsonValue, { maxKeys: 3 }) }), { maxLength: 3 }),
  };
}

/**
 * Bodies shaped like the endpoint's (its fields, each with a plausible value or any value), any JSON at all,
 * broken text, deep nesting.
 */
export function body(fields: string[], groupIds: string[]) {
  const values = plausible(groupIds);
  const field = (name: string) => fc.oneof({ arbitrary: values[name] ?? jsonValue, weight: 3 }, { arbitrary: jsonValue, weight: 1 });
  return fc.oneof(
    { arbitrary: fc.record(Object.fromEntries(fields.map((f) => [f, field(f)])), { requiredKeys: [] }).map((o) => JSON.stringify(o)), weight: 4 },
    fc.dictionary(fc.constantFrom(...fields, '__proto__', 'constructor', 'extra'), jsonValue, { maxKeys: fields.length + 2 })
      .map((o) => JSON.stringify(o)),
    fc.json({ maxDepth: 4 }),
    fc.string({ maxLength: 200 }),
    fc.integer({ min: 1, max: 300 }).map((d) => '['.repeat(d) + ']'.repeat(d)),
    fc.constant(''),
  );
}

const contentType = fc.oneof(
  { arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/problem+json'), weight: 6 },
  fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=z', 'application/jsonx', ''),
  headerText,
);

/** Optional headers a caller might send, any of them malformed. */
const sometimes = <T>(arb: fc.Arbitrary<T>, freq = 2) => fc.option(arb, { nil: undefined, freq });
export const headers = fc.record({
  'content-type': sometimes(contentType),
  'idempotency-key': sometimes(fc.oneof(fc.constantFrom('k1', 'k2', 'k3'), headerText), 3),
  authorization: sometimes(headerText, 4),
  origin: sometimes(fc.oneof(fc.webUrl(), headerText), 4),
  'x-anything': sometimes(headerText, 4),
}).map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>);

/**
 * A valid body with exactly one thing broken: a field missing or of the wrong type, nesting too deep, text that is
 * not JSON, or a Content-Type that is not JSON.
 */
export function brokenRequest(valid: Record<string, unknown>) {
  const asJson = (text: string) => ({ text, contentType: 'application/json' });
  const names = Object.keys(valid);
  const wrongType = fc.oneof(fc.constant(null), fc.boolean(), fc.constant({ nested: [] }), fc.constant(-1.5), fc.constant('text'));
  return fc.oneof(
    fc.constantFrom(...names).map((name) => asJson(JSON.stringify({ ...valid, [name]: undefined }))),
    fc.tuple(fc.constantFrom(...names), wrongType)
      .filter(([name, v]) => typeof v !== typeof valid[name] || Array.isArray(valid[name]) !== Array.isArray(v) || v === null)
      .map(([name, v]) => asJson(JSON.stringify({ ...valid, [name]: v }))),
    fc.integer({ min: 65, max: 5000 }).map((d) => asJson(`${JSON.stringify(valid).slice(0, -1)},"extra":${'['.repeat(d)}${']'.repeat(d)}}`)),
    fc.constantFrom(', ', '}', 'x', '\u0000').map((tail) => asJson(JSON.stringify(valid) + tail)),
    fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', '').map((contentType) => ({ text: JSON.stringify(valid), contentType })),
  );
}
