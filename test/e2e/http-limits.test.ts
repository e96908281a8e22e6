import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startDino, type DinoProcess } from '../support/dino-process.js';
import { httpCall } from '../support/raw-http.js';

/** The settings of the REST API's limits: CORS origins, recipients per notification, idempotency keys kept. */
describe('REST limits set by configuration', () => {
  let dino: DinoProcess;
  const listed = 'https://app.example';
  beforeAll(async () => {
    dino = await startDino('start', {
      DINO_DATA_DIR: mkdtempSync(join(tmpdir(), 'dino-limits-')),
      DINO_CORS_ORIGINS: `${listed}, http://localhost:3000`,
      DINO_MAX_RECIPIENTS: '10',
      DINO_IDEMPOTENCY_MAX_KEYS: '2',
    });
  });
  afterAll(async () => {
    await dino?.stop();
  });

  const call = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    httpCall(dino.httpPort, method, path, { headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const corsOf = (headers: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('access-control-') || name === 'vary'));

  describe('DINO_CORS_ORIGINS', () => {
    it('answers a listed origin\'s preflight with what it may send', async () => {
      const answer = await call('OPTIONS', '/v1/users/1/groups/create', { origin: listed, 'access-control-request-method': 'POST' });
      expect(answer.status).toBe(204);
      expect(corsOf(answer.headers)).toEqual({
        'access-control-allow-origin': listed,
        'access-control-allow-methods': 'GET, POST, PUT, DELETE',
        'access-control-allow-headers': 'Authorization, Content-Type, Idempotency-Key',
        'access-control-max-age': '600',
        vary: 'Origin',
      });
    });

    it('grants nothing to an origin not listed', async () => {
      const preflight = await call('OPTIONS', '/v1/users/1/groups/create', { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
      expect(corsOf(preflight.headers)).toEqual({ vary: 'Origin' });
      const post = await call('POST', '/v1/users/1/groups/create', { origin: 'https://evil.example', 'content-type': 'application/json' }, { group_name: 'e', users: [] });
      expect(corsOf(post.headers)).toEqual({ vary: 'Origin' });
    });

    it('lets a listed origin read answers and errors alike', async () => {
      const headers = { origin: 'http://localhost:3000', 'content-type': 'application/json' };
      const created = await call('POST', '/v1/users/1/groups/create', headers, { group_name: 'c', users: [] });
      expect(created.status).toBe(200);
      expect(created.headers['access-control-allow-origin']).toBe('http://localhost:3000');
      const refused = await call('POST', '/v1/users/1/groups/create', { ...headers, 'content-type': 'text/plain' }, {});
      expect(refused.status).toBe(415);
      expect(refused.headers['access-control-allow-origin']).toBe('http://localhost:3000');
      expect((await call('GET', '/v1/nowhere', headers)).headers['access-control-allow-origin']).toBe('http://localhost:3000');
    });
  });

  it('DINO_MAX_RECIPIENTS caps the user ids of one notification over all its entries', async () => {
    const entries = (a: number, b: number) => ({ event_type: 'cap', notification: [
      { user_ids: Array.from({ length: a }, (_, i) => i + 1), data: {} },
      { user_ids: Array.from({ length: b }, (_, i) => i + 100), data: {} },
    ] });
    expect(await api(dino.base, 'POST', '/v1/notification/send', entries(5, 5))).toEqual({ status: 201, body: { recipients: 10 } });
    const over = await api(dino.base, 'POST', '/v1/notification/send', entries(6, 5));
    expect(over).toEqual({ status: 400, body: { code: 605, detail: '605: invalid parameters: notification: at most 10 user ids in one request, over all entries (got 11)' } });
  });

  it('DINO_IDEMPOTENCY_MAX_KEYS forgets the oldest keys first', async () => {
    const groupId = (await api(dino.base, 'POST', '/v1/users/7/groups/create', { group_name: 'k', users: [] })).body.group_id;
    const send = (key: string) => api(dino.base, 'POST', `/v1/groups/${groupId}/user/7/send`,
      { message_payload: key, message_type: 'text' }, { 'idempotency-key': key });
    const first = await send('first');
    await send('second');
    await send('third'); // three keys, two kept: 'first' is forgotten
    expect((await send('third')).body.message_id).toBe((await send('third')).body.message_id);
    expect((await send('first')).body.message_id).not.toBe(first.body.message_id);
  });
});
