import { z } from 'zod';
import { ErrorCode } from '../../core/errors.js';
import type { Header } from '../cors.js';
import { endpoint } from '../endpoint.js';
import { guarded } from '../guard.js';
import { send, sendError } from '../reply.js';
import { consoleAssetParam } from '../schemas.js';
import type { HttpRequest, TemplatedApp } from '../uws.js';
import type { ConsoleBroker } from './broker.js';
import { loadAssets, pageTemplate, servedFile, type ServedFile } from './assets.js';

const tag = 'console';
/** Open like /docs: the page and its files hold no data; everything it shows it asks the API for, with the API key. */
export const consoleSiteEndpoints = {
  consolePage: endpoint({
    method: 'get', pattern: '/console', tag, access: 'open',
    summary: 'The web console: a user\'s live events, conversations and Dino\'s health (`?user=<id>[&token=<jwt>]` opens a user)',
    description: 'Served when DINO_CONSOLE is on (by default on a loopback listener only); 404 otherwise. Its REST calls '
      + 'carry the API key the page is given, like any other client.',
    response: { status: 200, description: 'an HTML page that loads only files of this server and connects only to it and its broker', schema: z.string(), mediaType: 'text/html' },
    errors: [],
  }),
  consoleAsset: endpoint({
    method: 'get', pattern: '/console/:asset', tag, access: 'open', summary: 'A script or style sheet of the web console (gzipped when accepted)',
    response: { status: 200, description: 'the file', schema: z.string(), mediaType: 'text/javascript' },
    errors: [ErrorCode.NOT_FOUND],
  }),
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page's settings, as JSON in a meta tag: read by the page's script, so no inline script needs allowing. */
function renderPage(broker: ConsoleBroker | undefined, apiKey: boolean): Buffer {
  const settings = {
    ws_port: broker?.wsPort ?? null, ws_url: broker?.wsUrl ?? null, topic_prefix: broker?.topicPrefix ?? '',
    tokens: broker?.tokens ?? false, minting: broker?.minting ?? false, api_key: apiKey,
  };
  return Buffer.from(pageTemplate().replace('{{settings}}', escapeHtml(JSON.stringify(settings))));
}

/** The host name the browser used (the Host header without its port), if it is a plain name or address. */
function hostName(req: HttpRequest): string | undefined {
  return /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i.exec(req.getHeader('host'))?.[1];
}

/**
 * Files of this origin only; connections to this origin and to the broker's WebSocket, nothing else: a browser
 * refuses the page anything from elsewhere, and the page can be framed by nobody.
 */
function pagePolicy(req: HttpRequest, broker: ConsoleBroker | undefined): string {
  const host = hostName(req);
  const brokerSources = broker?.wsUrl ? [new URL(broker.wsUrl).origin.replace(/^http/, 'ws')]
    : broker?.wsPort && host ? [`ws://${host}:${broker.wsPort}`, `wss://${host}:${broker.wsPort}`] : [];
  return `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ${brokerSources.join(' ')}; `
    + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

const COMMON: Header[] = [['X-Content-Type-Options', 'nosniff'], ['Referrer-Policy', 'no-referrer'], ['Cache-Control', 'no-cache']];

/** A file, gzipped when the browser accepts it, or 304 when the browser already holds this version. */
function serve(file: ServedFile, req: HttpRequest, extra: Header[]): (reply: Parameters<typeof send>[0]) => void {
  const gzip = /\bgzip\b/.test(req.getHeader('accept-encoding'));
  const fresh = req.getHeader('if-none-match') === file.etag;
  const headers: Header[] = [['Content-Type', file.contentType], ['ETag', file.etag], ['Vary', 'Accept-Encoding'], ...COMMON, ...extra];
  return (reply) => {
    if (fresh) return send(reply, 304, headers);
    send(reply, 200, gzip ? [...headers, ['Content-Encoding', 'gzip']] : headers, gzip ? file.gzipped : file.plain);
  };
}

/** `/console` and its files, read into memory once. */
export function consoleSiteRoutes(app: TemplatedApp, corsOrigins: readonly string[], broker: ConsoleBroker | undefined, apiKey: boolean): void {
  const assets = loadAssets();
  const page = servedFile(renderPage(broker, apiKey), 'index.html');
  app.get(consoleSiteEndpoints.consolePage.pattern, guarded(corsOrigins, (reply, req) =>
    serve(page, req, [['Content-Security-Policy', pagePolicy(req, broker)]])(reply)));
  app.get(consoleSiteEndpoints.consoleAsset.pattern, guarded(corsOrigins, (reply, req) => {
    try {
      serve(assets.get(consoleAssetParam(req.getParameter(0) ?? ''))!, req, [])(reply);
    } catch (err) {
      sendError(reply, err);
    }
  }));
}
