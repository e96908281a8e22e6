import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Header } from './cors.js';
import { endpoint } from './endpoint.js';
import { guarded } from './guard.js';
import { named } from './openapi/named.js';
import { send } from './reply.js';
import type { TemplatedApp } from './uws.js';

const openApiDocumentSchema = named('OpenApiDocument', z.looseObject({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
}));

const tag = 'documentation';
/** Open to anyone, like health: they describe the API, they do not act on it. */
export const docsEndpoints = {
  openApi: endpoint({
    method: 'get', pattern: '/openapi.json', tag, access: 'open',
    summary: 'This document: OpenAPI 3.1, generated from the schemas that validate requests and type answers',
    response: { status: 200, description: 'the document', schema: openApiDocumentSchema }, errors: [],
  }),
  docs: endpoint({
    method: 'get', pattern: '/docs', tag, access: 'open', summary: 'A readable page of this document',
    response: { status: 200, description: 'an HTML page that renders /openapi.json and loads nothing else', schema: z.string(), mediaType: 'text/html' },
    errors: [],
  }),
};

/** The page, in the package's public/ folder: two levels above src/http and dist/http alike. */
const PAGE = new URL('../../public/docs.html', import.meta.url);

/** `/openapi.json`: the document, serialized once. `/docs`: a page of plain HTML and script that renders it. */
export function docsRoutes(app: TemplatedApp, corsOrigins: readonly string[], document: unknown): void {
  const json = JSON.stringify(document);
  const page = readFileSync(PAGE, 'utf8');
  const pageHeaders: Header[] = [
    ['Content-Type', 'text/html; charset=utf-8'], ['Content-Security-Policy', pagePolicy(page)], ['X-Content-Type-Options', 'nosniff'],
  ];
  app.get(docsEndpoints.openApi.pattern, guarded(corsOrigins, (reply) => send(reply, 200, [['Content-Type', 'application/json']], json)));
  app.get(docsEndpoints.docs.pattern, guarded(corsOrigins, (reply) => send(reply, 200, pageHeaders, page)));
}

/**
 * The page may run its own inline script and style (allowed by hash) and fetch from this origin, nothing else: a
 * browser would refuse it anything from elsewhere.
 */
function pagePolicy(page: string): string {
  const hashes = (element: string) => [...page.matchAll(new RegExp(`<${element}>([\\s\\S]*?)</${element}>`, 'g'))]
    .map((match) => `'sha256-${createHash('sha256').update(match[1]!).digest('base64')}'`).join(' ');
  return `default-src 'none'; script-src ${hashes('script')}; style-src ${hashes('style')}; connect-src 'self'; `
    + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}
