import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startDinos, type DinoProcess } from '../support/dino-process.js';
import { redisUrl } from '../support/services.js';

const REDIS_URL = redisUrl();

/** Two API processes over one storage and one Redis: what one changes, the other must not serve stale. */
describe.skipIf(!REDIS_URL)('two dino server processes', () => {
  let a: DinoProcess;
  let b: DinoProcess;
  beforeAll(async () => {
    const env = {
      DINO_DATA_DIR: mkdtempSync(join(tmpdir(), 'dino-multi-')),
      DINO_REDIS_URL: REDIS_URL!,
      DINO_STREAM: `dino:test:${randomBytes(6).toString('hex')}`,
    };
    [a, b] = await startDinos(['server', env], ['server', env]) as [DinoProcess, DinoProcess];
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('sees membership and status changes made through the other one at once', async () => {
    const [owner, joiner] = [1 + Math.floor(Math.random() * 1e9), 2e9 + Math.floor(Math.random() * 1e9)];
    const groupId = (await api(a.base, 'POST', `/v1/users/${owner}/groups/create`, { group_name: 'm', users: [] })).body.group_id;
    const sendVia = (server: DinoProcess, user: number) =>
      api(server.base, 'POST', `/v1/groups/${groupId}/user/${user}/send`, { message_payload: 'x', message_type: 'text' });

    expect((await sendVia(b, joiner)).body.code).toBe(600); // b now holds the group without the joiner
    await api(a.base, 'PUT', `/v1/groups/${groupId}/join`, { users: [joiner] });
    expect((await sendVia(b, joiner)).status).toBe(200);

    await api(a.base, 'DELETE', `/v1/groups/${groupId}/user/${joiner}/join`);
    expect((await sendVia(b, joiner)).body.code).toBe(600);

    await api(a.base, 'PUT', `/v1/groups/${groupId}`, { status: -2 });
    expect((await sendVia(b, owner)).body.code).toBe(607);
    expect((await api(b.base, 'GET', `/v1/groups/${groupId}/users`)).body.user_count).toBe(1);
  });
});
