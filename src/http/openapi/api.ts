import { readFileSync } from 'node:fs';
import { hookEndpoints } from '../broker-hooks.js';
import { consoleSiteEndpoints } from '../console/site.js';
import { consoleStatusEndpoints } from '../console/status.js';
import { docsEndpoints } from '../docs.js';
import type { Endpoint } from '../endpoint.js';
import { actionLogEndpoints } from '../action-logs.js';
import { attachmentEndpoints } from '../attachments.js';
import { groupEndpoints } from '../groups.js';
import { healthEndpoints } from '../health.js';
import { messageEndpoints } from '../messages.js';
import { conversationEndpoints } from '../conversations.js';
import { memberStateEndpoints } from '../member-state.js';
import { messageEditEndpoints } from '../message-edits.js';
import { metricsEndpoints } from '../metrics.js';
import { notificationEndpoints } from '../notifications.js';
import { tokenEndpoints } from '../tokens.js';
import { openApiDocument } from './document.js';

/** The tables of every endpoint group as one, by operation id; an id used twice is a mistake, refused at once. */
function combine(...tables: Array<Record<string, Endpoint>>): Record<string, Endpoint> {
  const all: Record<string, Endpoint> = {};
  for (const [id, spec] of tables.flatMap((table) => Object.entries(table))) {
    if (Object.hasOwn(all, id)) throw new Error(`two endpoints are named ${id}`);
    all[id] = spec;
  }
  return all;
}

/**
 * Every endpoint the HTTP server registers: the one list the OpenAPI document is built from. Each group's file
 * declares its endpoints beside the code that registers them; test/unit/openapi-routes.test.ts holds this list to
 * what HttpServer actually registers, both ways.
 * A new route needs its Endpoint declared beside it and its table added here.
 */
export const apiEndpoints = combine(groupEndpoints, messageEndpoints, conversationEndpoints, memberStateEndpoints, messageEditEndpoints,
  notificationEndpoints, tokenEndpoints, hookEndpoints, healthEndpoints, docsEndpoints, metricsEndpoints, consoleSiteEndpoints,
  consoleStatusEndpoints, actionLogEndpoints, attachmentEndpoints);

const DESCRIPTION = 'Dino stores chat messages and pushes one copy of every event to each recipient\'s own MQTT topic. '
  + 'JSON in and out: a POST or PUT body must be sent as `application/json` (or another `+json` type). Times are float UNIX '
  + 'seconds; user ids are positive integers up to 2^53−1; group and message ids are UUIDs. Every failure is answered '
  + 'as `{code, detail}`.';

let document: Record<string, unknown> | undefined;

/** The document, built once (at the first server's start). */
export function apiDocument(): Record<string, unknown> {
  document ??= openApiDocument(apiEndpoints, { version: packageVersion(), description: DESCRIPTION });
  return document;
}

/** package.json is three levels above src/http/openapi and dist/http/openapi alike. */
const packageVersion = (): string =>
  (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
