import { z } from 'zod';
import { ErrorCode } from '../../core/errors.js';
import { errorCodesOf, paramNames, type Access, type Endpoint, type ResponseSpec } from '../endpoint.js';
import { pathParameters, type PathParameterName } from '../schemas.js';
import { httpStatus } from '../status.js';
import { jsonSchemaOf, nameOf, namedSchemas } from './named.js';

type Json = Record<string, unknown>;

/** What each error code means, as the document tells it (README's error table, shorter). */
const meaning: Record<ErrorCode, string> = {
  [ErrorCode.UNKNOWN]: 'anything unexpected (logged with its stack, never shown)',
  [ErrorCode.USER_NOT_IN_GROUP]: 'the user is not in the group',
  [ErrorCode.NO_SUCH_GROUP]: 'no such group',
  [ErrorCode.NO_SUCH_MESSAGE]: 'no such message',
  [ErrorCode.NO_SUCH_ATTACHMENT]: 'no such attachment',
  [ErrorCode.INVALID_PARAMETERS]: 'invalid parameters (the detail names the field): broken JSON, a wrong type, a missing field, a bad id, JSON nested deeper than 64, an ambiguous Content-Length',
  [ErrorCode.USER_KICKED]: 'the user has been kicked from the group',
  [ErrorCode.GROUP_NOT_OPEN]: 'the group is frozen, archived or deleted',
  [ErrorCode.UNAUTHORIZED]: 'DINO_API_KEY is set and the request lacks one of its keys',
  [ErrorCode.NOT_FOUND]: 'no such route',
  [ErrorCode.BODY_TOO_LARGE]: 'body over the limit',
  [ErrorCode.REQUEST_IN_PROGRESS]: 'a request with the same Idempotency-Key is still running',
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: 'a body whose Content-Type is not JSON',
  [ErrorCode.EVENT_TOO_LARGE]: 'the event would not fit in one MQTT packet (DINO_MQTT_MAX_PACKET_SIZE): nothing was written',
  [ErrorCode.STORAGE_UNAVAILABLE]: 'storage unreachable: nothing was written, retry',
  [ErrorCode.QUEUE_UNAVAILABLE]: 'the broadcast queue is unreachable or full: nothing was written, retry',
  [ErrorCode.IDEMPOTENCY_UNAVAILABLE]: 'idempotency keys unreachable: nothing was done, retry',
  [ErrorCode.MINTING_DISABLED]: 'this Dino has no DINO_JWT_SECRET to sign tokens with',
};

/** The error envelope every failure is answered with (src/http/reply.ts, sendError), for the codes of one status. */
const errorEnvelope = (codes: ErrorCode[]) => z.strictObject({
  code: z.literal(codes),
  detail: z.string().regex(/^\d+: /).describe('"<code>: <message>"'),
});

/** What route()'s checkKey accepts (src/http/route.ts). */
const idempotencyKey = z.string().min(1).max(255).regex(/^[!-~]+$/)
  .describe('a retry with the same key within 24 hours gets the first answer back, and does nothing twice');

const security: Record<Access, Json[]> = {
  apiKey: [{ apiKey: [] }],
  hook: [{ apiKey: [] }, { apiKeyInQuery: [] }],
  open: [],
};

const securitySchemes = {
  apiKey: {
    type: 'http', scheme: 'bearer',
    description: 'One of the comma-separated keys of DINO_API_KEY, as `Authorization: Bearer <key>`; asked for when DINO_API_KEY is set.',
  },
  apiKeyInQuery: {
    type: 'apiKey', in: 'query', name: 'api_key',
    description: 'The broker hooks also take the key in the URL, for brokers that cannot add a header (VerneMQ, mosquitto-go-auth).',
  },
};

const JSON_MEDIA_TYPE = 'application/json';
const openApiPath = (pattern: string) => pattern.replace(/:(\w+)/g, '{$1}');
const openApiMethod = (method: Endpoint['method']) => (method === 'del' ? 'delete' : method);
const schemaOf = (schema: z.ZodType): Json => {
  const id = nameOf(schema);
  return id ? { $ref: `#/components/schemas/${id}` } : jsonSchemaOf(schema);
};
const content = (schema: z.ZodType, mediaType = JSON_MEDIA_TYPE) => ({ [mediaType]: { schema: schemaOf(schema) } });

function parameters(spec: Endpoint): Json[] {
  const path = paramNames(spec.pattern).map((name) =>
    ({ name, in: 'path', required: true, schema: schemaOf(pathParameters[name as PathParameterName].schema) }));
  const headers = [
    ...(spec.idempotent ? [{ name: 'Idempotency-Key', description: idempotencyKey.description!, schema: idempotencyKey, required: false }] : []),
    ...(spec.headers ?? []),
  ].map(({ name, description, schema, required }) => ({ name, in: 'header', description, required, schema: schemaOf(schema) }));
  return [...path, ...headers];
}

/** Its answers by status: those it was made for, then the error envelopes, one status each, with their codes. */
function responses(id: string, spec: Endpoint): Json {
  const answers: Json = {};
  for (const { status, description, schema, mediaType } of [spec.response, ...(spec.otherResponses ?? [])] as ResponseSpec[]) {
    answers[status] = { description, content: content(schema, mediaType) };
  }
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodesOf(spec)) byStatus.set(httpStatus(code), [...(byStatus.get(httpStatus(code)) ?? []), code]);
  for (const [status, codes] of byStatus) {
    if (answers[status]) throw new Error(`${id}: status ${status} is both an answer and an error`);
    answers[status] = {
      description: codes.map((code) => `${code}: ${meaning[code]}`).join('; '),
      content: content(errorEnvelope(codes)),
    };
  }
  return answers;
}

function operation(id: string, spec: Endpoint): Json {
  const params = parameters(spec);
  return {
    operationId: id,
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description && { description: spec.description }),
    security: security[spec.access],
    ...(params.length > 0 && { parameters: params }),
    ...(spec.body && {
      requestBody: { required: !spec.body.safeParse({}).success, content: content(spec.body) },
    }),
    responses: responses(id, spec),
  };
}

/** The named schemas, each a component; zod writes references between them as `#/components/schemas/<id>`. */
function components(): Json {
  const { schemas } = z.toJSONSchema(namedSchemas, {
    io: 'input', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}`,
  });
  for (const schema of Object.values(schemas)) {
    delete schema.$schema; // the document's dialect, JSON Schema 2020-12, is OpenAPI 3.1's own
    delete schema.$id;
  }
  return schemas;
}

/**
 * The OpenAPI 3.1 document of `endpoints` (by operation id), built from the very schemas that validate requests
 * (their input side) and type responses.
 */
export function openApiDocument(endpoints: Record<string, Endpoint>, info: { version: string; description: string }): Json {
  const paths: Record<string, Json> = {};
  for (const [id, spec] of Object.entries(endpoints)) {
    const path = (paths[openApiPath(spec.pattern)] ??= {});
    path[openApiMethod(spec.method)] = operation(id, spec);
  }
  const tags = [...new Set(Object.values(endpoints).map((spec) => spec.tag))].map((name) => ({ name }));
  return {
    openapi: '3.1.1',
    info: { title: 'Dino', ...info },
    tags,
    paths,
    components: { schemas: components(), securitySchemes },
  };
}
