import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startDino, type DinoProcess } from '../support/dino-process.js';
import { seededDinoForSuite } from '../support/dino-suite.js';

const MISSING_GROUP = '00000000-0000-4000-8000-000000000000';

describe('bad input', () => {
  const owner = 11;
  const outsider = 99;

  const suite = seededDinoForSuite(owner, [12]);

  const send = () => `/v1/groups/${suite.groupId}/user/${owner}/send`;
  const cases: Array<[name: string, method: string, path: () => string, body: unknown, status: number, code: number, field?: string]> = [
    ['broken JSON', 'POST', send, '{"message_payload": "x",', 400, 605, 'body'],
    ['a JSON array instead of an object', 'POST', send, '[1,2]', 400, 605],
    ['payload of the wrong type', 'POST', send, { message_payload: 42, message_type: 'text' }, 400, 605, 'message_payload'],
    ['missing message_type', 'POST', send, { message_payload: 'x' }, 400, 605, 'message_type'],
    ['negative user id in the path', 'POST', () => `/v1/groups/${suite.groupId}/user/-5/send`, { message_payload: 'x', message_type: 'text' }, 400, 605, 'user_id'],
    ['user id above 2^53-1 in the path', 'POST', () => `/v1/groups/${suite.groupId}/user/9007199254740993/send`, { message_payload: 'x', message_type: 'text' }, 400, 605, 'user_id'],
    ['malformed group id', 'POST', () => `/v1/groups/not-a-uuid/user/${owner}/send`, { message_payload: 'x', message_type: 'text' }, 400, 605, 'group_id'],
    ['fractional user id in a body', 'POST', () => `/v1/users/${owner}/groups/create`, { group_name: 'g', users: [1.5] }, 400, 605, 'users.0'],
    ['huge user id in a body', 'POST', () => `/v1/users/${owner}/groups/create`, { group_name: 'g', users: [2 ** 53] }, 400, 605, 'users.0'],
    ['zero user id in a body', 'POST', () => `/v1/users/${owner}/send`, { receiver_id: 0, message_payload: 'x', message_type: 'text' }, 400, 605, 'receiver_id'],
    ['missing group_name', 'POST', () => `/v1/users/${owner}/groups/create`, { users: [1] }, 400, 605, 'group_name'],
    ['per_page of zero', 'POST', () => `/v1/groups/${suite.groupId}/user/${owner}/histories`, { per_page: 0 }, 400, 605, 'per_page'],
    ['until as a string', 'POST', () => `/v1/groups/${suite.groupId}/user/${owner}/histories`, { per_page: 5, until: 'yesterday' }, 400, 605, 'until'],
    ['empty recipient list', 'POST', () => '/v1/notification/send', { event_type: 'x', notification: [{ user_ids: [], data: {} }] }, 400, 605, 'notification.0.user_ids'],
    ['notification data not an object', 'POST', () => '/v1/notification/send', { event_type: 'x', notification: [{ user_ids: [1], data: 'text' }] }, 400, 605, 'notification.0.data'],
    ['2 MiB body', 'POST', send, JSON.stringify({ message_payload: 'x'.repeat(2 * 1024 * 1024), message_type: 'text' }), 413, 612],
    ['unknown group', 'POST', () => `/v1/groups/${MISSING_GROUP}/user/${owner}/send`, { message_payload: 'x', message_type: 'text' }, 400, 601],
    ['unknown group on GET', 'GET', () => `/v1/groups/${MISSING_GROUP}`, undefined, 400, 601],
    ['send by a non-member', 'POST', () => `/v1/groups/${suite.groupId}/user/${outsider}/send`, { message_payload: 'x', message_type: 'text' }, 400, 600],
    ['history of a non-member', 'POST', () => `/v1/groups/${suite.groupId}/user/${outsider}/histories`, { per_page: 5 }, 400, 600],
    ['malformed percent-encoding in the path', 'GET', () => '/v1/groups/%E0%A4%A', undefined, 400, 605, 'path'],
    ['unknown route', 'GET', () => '/v1/nothing/here', undefined, 404, 611],
  ];

  it.each(cases)('%s → %i', async (_name, method, path, body, status, code, field) => {
    const before = suite.snapshot();
    const response = await api(suite.dino.base, method, path(), body);
    expect(response.status).toBe(status);
    expect(response.body.code).toBe(code);
    expect(response.body.detail).toMatch(new RegExp(`^${code}: `));
    if (field) expect(response.body.detail).toContain(`${field}:`);
    expect(suite.snapshot()).toEqual(before);
  });

  it('still serves correct requests afterwards', async () => {
    const ok = await api(suite.dino.base, 'POST', send(), { message_payload: 'second', message_type: 'text' });
    expect(ok.status).toBe(200);
  });
});

describe('API key', () => {
  let dino: DinoProcess;
  beforeAll(async () => {
    dino = await startDino('start', { DINO_DATA_DIR: mkdtempSync(join(tmpdir(), 'dino-key-')), DINO_API_KEY: 'old-key-being-rotated-out, sesame-open-up-please' });
  });
  afterAll(async () => {
    await dino?.stop();
  });

  it('answers 401 without a key and serves with any of the configured keys; health stays open', async () => {
    const body = { group_name: 'g', users: [2] };
    expect((await api(dino.base, 'POST', '/v1/users/1/groups/create', body)).status).toBe(401);
    expect((await api(dino.base, 'POST', '/v1/users/1/groups/create', body, { authorization: 'Bearer wrong' })).body.code).toBe(610);
    expect((await api(dino.base, 'POST', '/v1/users/1/groups/create', body, { authorization: 'Bearer sesame' })).status).toBe(401);
    for (const key of ['sesame-open-up-please', 'old-key-being-rotated-out']) {
      expect((await api(dino.base, 'POST', '/v1/users/1/groups/create', body, { authorization: `Bearer ${key}` })).status).toBe(200);
    }
    expect((await api(dino.base, 'GET', '/healthz')).status).toBe(200);
  });
});
