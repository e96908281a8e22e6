import type { z } from 'zod';
import { ErrorCode } from '../core/errors.js';
import { route, type RouteOptions } from './route.js';
import { pathParameters, type PathParameterName } from './schemas.js';
import type { TemplatedApp } from './uws.js';
import type { JsonText } from './reply.js';

export type Method = 'get' | 'post' | 'put' | 'del';

/**
 * Who may call. `apiKey`: with DINO_API_KEY set, `Authorization: Bearer <key>` (every /v1 call); `hook`: the same,
 * or `?api_key=<key>` in the URL for brokers that cannot add a header; `open`: anyone (health and documentation,
 * which neither act nor tell anything about users).
 */
export type Access = 'apiKey' | 'hook' | 'open';

export interface ResponseSpec<S extends z.ZodType = z.ZodType> {
  status: number;
  description: string;
  schema: S;
  /** `application/json` unless said. */
  mediaType?: string;
}

export interface HeaderSpec {
  name: string;
  description: string;
  schema: z.ZodType;
  required: boolean;
}

/**
 * One endpoint, as it is registered and as it is documented: the endpoint group's file registers it from this, and
 * the OpenAPI document describes it from this (src/http/openapi/), so the two cannot disagree on its path, its
 * parameters, its body or its answer.
 */
export interface Endpoint<P extends string = string, B extends z.ZodType | undefined = z.ZodType | undefined, R extends z.ZodType = z.ZodType> {
  method: Method;
  /** uWebSockets.js pattern (`/v1/groups/:group_id`); each `:name` is one of `pathParameters`. */
  pattern: P;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  /** The JSON body's schema: what validates it, and what the document shows. */
  body?: B;
  /** Honours an `Idempotency-Key` header. */
  idempotent?: boolean;
  headers?: readonly HeaderSpec[];
  /** The answer to a request that was carried out. */
  response: ResponseSpec<R>;
  /** Other answers that are not errors: a hook's "no", a readiness probe's 503. */
  otherResponses?: readonly ResponseSpec[];
  /** Its own error codes (600 not in the group, 620 storage down, …); those of its kind are added by errorCodesOf. */
  errors: readonly ErrorCode[];
}

/** Declares an endpoint, keeping its pattern's literal type (for typed path parameters). */
export const endpoint = <const P extends string, B extends z.ZodType | undefined = undefined, R extends z.ZodType = z.ZodType>(
  spec: Endpoint<P, B, R>): Endpoint<P, B, R> => spec;

type ParamNames<P extends string> =
  P extends `${string}:${infer Name}/${infer Rest}` ? Name | ParamNames<Rest> : P extends `${string}:${infer Name}` ? Name : never;
export type PathParams<P extends string> =
  { [K in ParamNames<P>]: K extends PathParameterName ? ReturnType<(typeof pathParameters)[K]['read']> : never };
type BodyOf<B> = B extends z.ZodType ? z.output<B> : undefined;

/** The names of a pattern's path parameters, in order. */
export const paramNames = (pattern: string): string[] =>
  pattern.split('/').filter((segment) => segment.startsWith(':')).map((segment) => segment.slice(1));

/**
 * POST and PUT bodies are read (and bounded) before the handler runs, even where it takes none; a DELETE's only where
 * it declares one (a leave's optional `action_log`, as the original's), so other DELETEs stay as they were.
 */
export const readsBody = (spec: Endpoint): boolean => spec.method === 'post' || spec.method === 'put' || spec.body !== undefined;

/** The error codes an endpoint may answer: its own, and those every endpoint of its kind may. */
export function errorCodesOf(spec: Endpoint): ErrorCode[] {
  const codes = new Set<ErrorCode>([ErrorCode.INVALID_PARAMETERS, ...spec.errors]); // guarded(): ambiguous Content-Length
  if (spec.access !== 'open') codes.add(ErrorCode.UNAUTHORIZED).add(ErrorCode.UNKNOWN);
  if (readsBody(spec)) codes.add(ErrorCode.BODY_TOO_LARGE);
  // route() takes JSON bodies only; the hooks take whatever media type their broker sends.
  if (readsBody(spec) && spec.access === 'apiKey') codes.add(ErrorCode.UNSUPPORTED_MEDIA_TYPE);
  if (spec.idempotent) codes.add(ErrorCode.REQUEST_IN_PROGRESS).add(ErrorCode.IDEMPOTENCY_UNAVAILABLE);
  return [...codes].sort((a, b) => a - b);
}

/**
 * Registers a `/v1` endpoint with route(): its path parameters are checked in pattern order, then its body by its
 * schema, and what the handler returns (its view, or that view already written as JSON: JsonText) is answered with the
 * endpoint's status. `Idempotency-Key` is honoured only where the endpoint says so.
 */
export function serveEndpoint<P extends string, B extends z.ZodType | undefined, R extends z.ZodType>(
  app: TemplatedApp, options: RouteOptions, spec: Endpoint<P, B, R>,
  handler: (input: { params: PathParams<P>; body: BodyOf<B> }) => Promise<z.input<R> | JsonText>): void {
  if (spec.access !== 'apiKey') throw new Error(`${spec.pattern}: route() serves API-key endpoints only`);
  const readers = paramNames(spec.pattern).map((name) => {
    if (!Object.hasOwn(pathParameters, name)) throw new Error(`${spec.pattern}: no path parameter named ${name}`);
    return [name, pathParameters[name as PathParameterName].read] as const;
  });
  const routeOptions = spec.idempotent ? options : { ...options, idempotency: undefined };
  const { status } = spec.response;
  // A bad parameter or body throws here, before the handler runs: route() answers it as any failure of the call.
  route(app, spec.method, spec.pattern, routeOptions, ({ params, body }) => {
    const values: Record<string, unknown> = {};
    for (let i = 0; i < readers.length; i++) values[readers[i]![0]] = readers[i]![1](params[i]!);
    const input = (spec.body ? spec.body.parse(body) : undefined) as BodyOf<B>;
    return handler({ params: values as PathParams<P>, body: input }).then((answer) => ({ status, body: answer }));
  }, readsBody(spec));
}
