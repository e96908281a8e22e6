import { Validator } from '@seriousme/openapi-schema-validator';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startDino, type DinoProcess } from '../support/dino-process.js';
import { renderPage } from '../support/fake-dom.js';
import { OpenApiChecker } from '../support/openapi-check.js';

const API_KEY = 'openapi-test-key-0123456789';
const JWT_SECRET = 'openapi-test-jwt-secret-0123456789abcdef';
const withKey = { authorization: `Bearer ${API_KEY}` };
const METHODS = ['get', 'post', 'put', 'delete', 'patch'];
const randomUser = () => 1 + Math.floor(Math.random() * 1e12);

/** A path template with its `{name}`s filled in. */
const fill = (template: string, values: Record<string, string | number>) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));

describe('the OpenAPI document and the docs page of a running Dino', () => {
  let dino: DinoProcess;
  let document: Record<string, any>;
  let checker: OpenApiChecker;

  /** Calls Dino as documented by `template`, and expects the answer (status and body) to be documented. */
  async function call(method: string, template: string, values: Record<string, string | number>, body?: unknown,
    headers: Record<string, string> = withKey) {
    const response = await api(dino.base, method.toUpperCase(), fill(template, values), body, headers);
    expect(checker.mismatch(method, template, response.status, response.body)).toBeUndefined();
    return response;
  }

  beforeAll(async () => {
    dino = await startDino('start', {
      DINO_DATA_DIR: mkdtempSync(join(tmpdir(), 'dino-openapi-')), DINO_API_KEY: API_KEY, DINO_JWT_SECRET: JWT_SECRET,
    });
    const response = await api(dino.base, 'GET', '/openapi.json'); // no key: the description is open
    expect(response.status).toBe(200);
    document = response.body;
    checker = new OpenApiChecker(document);
  });
  afterAll(async () => {
    expect(await dino?.stop()).toBe(0);
  });

  it('serves a valid OpenAPI 3.1 document, every schema in it valid JSON Schema 2020-12', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(checker.schemaObjects().length).toBeGreaterThan(100);
    expect(checker.invalidSchemas()).toEqual([]);
  });

  it('documents the /v1 calls, the broker hooks, health and itself, each with who may call it', () => {
    const paths = Object.keys(document.paths);
    for (const path of ['/v1/users/{user_id}/groups/create', '/v1/notification/send', '/auth/vernemq', '/healthz', '/readyz', '/openapi.json', '/docs']) {
      expect(paths).toContain(path);
    }
    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      for (const op of Object.values<any>(item)) {
        const schemes = op.security.map((requirement: object) => Object.keys(requirement)[0]);
        const expected = path.startsWith('/v1/') ? ['apiKey'] : path.startsWith('/auth/') ? ['apiKey', 'apiKeyInQuery'] : [];
        expect(schemes, path).toEqual(expected);
      }
    }
    expect(document.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('answers every documented operation (none is a 404), with a status and body it documents', async () => {
    const values = { user_id: 1, group_id: randomUUID(), asset: 'main.js' }; // a group that does not exist: nothing is changed
    const operations = Object.entries<Record<string, any>>(document.paths)
      .flatMap(([template, item]) => Object.keys(item).map((method) => [method, template] as const));
    expect(operations.length).toBeGreaterThan(20);
    for (const [method, template] of operations) {
      const response = await fetch(dino.base + fill(template, values), {
        method: method.toUpperCase(),
        headers: { ...withKey, 'content-type': 'application/json' },
        body: method === 'post' || method === 'put' ? '{}' : undefined,
      });
      expect(response.status, `${method} ${template}`).not.toBe(404);
      const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!;
      const body = mediaType === 'application/json' ? await response.json() : await response.text();
      expect(checker.mismatch(method, template, response.status, body, mediaType)).toBeUndefined();
    }
  });

  it('answers 404 to every method a documented path does not document', async () => {
    for (const [template, item] of Object.entries<Record<string, any>>(document.paths)) {
      for (const method of METHODS.filter((m) => !(m in item))) {
        const response = await api(dino.base, method.toUpperCase(), fill(template, { user_id: 1, group_id: randomUUID() }), undefined, withKey);
        expect({ route: `${method} ${template}`, status: response.status, code: response.body?.code })
          .toEqual({ route: `${method} ${template}`, status: 404, code: 611 });
      }
    }
  });

  it('answers the /v1 calls as documented, errors included', async () => {
    const [owner, member, joiner] = [randomUser(), randomUser(), randomUser()];
    const created = await call('post', '/v1/users/{user_id}/groups/create', { user_id: owner },
      { group_name: 'documented', users: [member], description: 'd', meta: 3 });
    expect(created.status).toBe(200);
    const group_id = created.body.group_id as string;
    const ids = { group_id, user_id: owner };
    await call('get', '/v1/groups/{group_id}', ids);
    await call('put', '/v1/groups/{group_id}', ids, { group_name: 'renamed', description: null });
    await call('put', '/v1/groups/{group_id}/join', ids, { users: [joiner] });
    await call('get', '/v1/groups/{group_id}/users', ids);
    await call('post', '/v1/groups/{group_id}/user/{user_id}/send', ids, { message_payload: 'hello', message_type: 7 },
      { ...withKey, 'idempotency-key': randomUUID() });
    await call('post', '/v1/users/{user_id}/send', ids, { receiver_id: member, message_payload: 'hi', message_type: 'text' });
    const history = await call('post', '/v1/groups/{group_id}/user/{user_id}/histories', ids, { per_page: 10 });
    expect(history.body.messages).toHaveLength(1);
    const groups = await call('post', '/v1/users/{user_id}/groups', ids, { per_page: 10 });
    expect(groups.body).toHaveLength(2);
    await call('post', '/v1/notification/send', {}, { event_type: 'ping', group_id, notification: [{ user_ids: [member], data: { a: 1 } }] });
    // Attachments: a placeholder, its processing, the lookup, the list, the count, the three removals.
    const image = await call('post', '/v1/groups/{group_id}/user/{user_id}/send', ids, { message_payload: '{}', message_type: 'image' });
    await call('post', '/v1/users/{user_id}/message/{message_id}/attachment', { ...ids, message_id: image.body.message_id },
      { group_id, file_id: 'doc-file', message_payload: '{"status":1}', action_log: { payload: 'uploaded' } });
    await call('post', '/v1/groups/{group_id}/attachment', ids, { file_id: 'doc-file' });
    expect((await call('post', '/v1/groups/{group_id}/user/{user_id}/attachments', ids, { per_page: 10 })).body).toHaveLength(1);
    expect((await call('post', '/v1/groups/{group_id}/user/{user_id}/count', ids, { only_attachments: true })).body.message_count).toBe(1);
    await call('delete', '/v1/groups/{group_id}/attachment', ids, { file_id: 'doc-file', action_log: { payload: 'removed', user_id: owner } });
    await call('delete', '/v1/groups/{group_id}/user/{user_id}/attachments', ids, {});
    await call('delete', '/v1/user/{user_id}/attachments', ids, { action_log: { payload: 'cleared' } });
    expect((await call('post', '/v1/groups/{group_id}/attachment', ids, { file_id: 'doc-file' })).body.code).toBe(603);
    // The answers that carry an action log or a message count.
    await call('put', '/v1/groups/{group_id}', ids, { group_name: 'logged', action_log: { payload: 'renamed', user_id: owner } });
    await call('put', '/v1/groups/{group_id}/join', ids, { users: [joiner], action_log: { payload: 'joined', user_id: joiner } });
    await call('put', '/v1/groups/{group_id}/user/{user_id}/update', ids, { pin: true, action_log: { payload: 'pinned' } });
    expect((await call('post', '/v1/groups/{group_id}', ids, { count_messages: true })).body.message_amount).toBeGreaterThan(0);
    expect((await call('post', '/v1/users/{user_id}/groups/actions', ids, { payload: 'nickname' })).body.action_logs).toHaveLength(2);
    const left = await call('delete', '/v1/groups/{group_id}/user/{user_id}/join', ids);
    expect(left.body.owner_id).toBeNull();

    expect((await call('post', '/v1/groups/{group_id}/user/{user_id}/send', { group_id, user_id: randomUser() },
      { message_payload: 'x', message_type: 'text' })).body.code).toBe(600);
    expect((await call('get', '/v1/groups/{group_id}', ids, undefined, {})).status).toBe(401);
    expect((await call('post', '/v1/users/{user_id}/send', ids, 'text', { ...withKey, 'content-type': 'text/plain' })).status).toBe(415);
    expect((await call('post', '/v1/users/{user_id}/groups/create', ids, { group_name: 'x'.repeat(2 ** 21), users: [] })).status).toBe(413);
  });

  it('answers the token and the broker hooks as documented', async () => {
    const user = randomUser();
    const minted = await call('post', '/v1/users/{user_id}/token', { user_id: user });
    const client = { username: String(user), password: minted.body.token as string };
    const own = String(user);
    expect((await call('post', '/auth/emqx/authn', {}, { clientid: own, ...client })).body.result).toBe('allow');
    expect((await call('post', '/auth/emqx/authn', {}, { clientid: own, username: own, password: 'wrong' })).body.result).toBe('deny');
    await call('post', '/auth/emqx/authz', {}, { clientid: own, username: own, topic: own, action: 'subscribe' });
    const vernemq = (hook: string) => ({ ...withKey, 'vernemq-hook': hook });
    await call('post', '/auth/vernemq', {}, { client_id: own, ...client }, vernemq('auth_on_register'));
    const subscribed = await call('post', '/auth/vernemq', {}, { client_id: own, username: own, topics: [{ topic: own, qos: 1 }, { topic: '#', qos: 1 }] },
      vernemq('auth_on_subscribe'));
    expect(subscribed.body.topics[1].qos).toBe(128);
    expect((await call('post', '/auth/go-auth/user', {}, { clientid: own, ...client })).status).toBe(200);
    expect((await call('post', '/auth/go-auth/superuser', {}, { username: own })).status).toBe(403);
    expect((await call('post', '/auth/go-auth/acl', {}, { clientid: own, username: own, topic: own, acc: 2 })).status).toBe(403);
    const hookWithKeyInUrl = await api(dino.base, 'POST', `/auth/go-auth/acl?api_key=${API_KEY}`, { clientid: own, username: own, topic: own, acc: 4 }, {});
    expect(checker.mismatch('post', '/auth/go-auth/acl', hookWithKeyInUrl.status, hookWithKeyInUrl.body)).toBeUndefined();
    expect(hookWithKeyInUrl.status).toBe(200);
  });

  it('answers health and readiness without a key, as documented', async () => {
    await call('get', '/healthz', {}, undefined, {});
    expect((await call('get', '/readyz', {}, undefined, {})).status).toBe(200);
  });

  it('serves /docs without a key: HTML that loads nothing from elsewhere, and renders every operation', async () => {
    const response = await fetch(`${dino.base}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'self'");
    const html = await response.text();
    expect(html).not.toMatch(/\b(https?:|ftp:)?\/\/[\w.-]+\.\w/); // no address of another host, not even protocol-relative
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b|<script\s[^>]*src|@import|url\(/i);
    expect([...html.matchAll(/fetch\(([^)]*)\)/g)].map((m) => m[1])).toEqual(["'openapi.json'"]);

    const { byId, fetched } = await renderPage(html, `${dino.base}/docs`);
    expect(fetched).toEqual([`${dino.base}/openapi.json`]);
    expect(byId.get('intro')!.textContent).not.toMatch(/could not load/i);
    const text = byId.get('api')!.textContent;
    for (const [template, item] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        expect(text).toContain(`${method} ${template}`);
        expect(text).toContain(op.summary);
      }
    }
    for (const field of ['group_name', 'message_payload', 'Idempotency-Key', 'vernemq-hook', 'user_ids', 'last_message_time']) {
      expect(text).toContain(field);
    }
    const anchors = byId.get('api')!.descendants().flatMap((node) => node.attributes.get('href') ?? []);
    expect(anchors.length).toBeGreaterThan(0);
    expect(anchors.every((href) => href.startsWith('#'))).toBe(true);
  });
});
