import { until } from '../support/wait.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageBackends } from '../support/backends.js';
import { api, startDino, type DinoProcess } from '../support/dino-process.js';
import { freeze, thaw } from '../support/freeze.js';
import { cassandraPid } from '../support/services.js';

const cassandra = (await storageBackends()).find((b) => b.name === 'cassandra');
/** The node this run started; freezing it (SIGSTOP) makes every request time out. */
const nodePid = cassandra ? cassandraPid() : undefined;

describe.skipIf(!cassandra || !nodePid)('Cassandra outage', () => {
  let dino: DinoProcess;
  let frozen = false;
  const freezeNode = async (on: boolean) => {
    frozen = on;
    if (on) await freeze(nodePid!);
    else thaw(nodePid!);
  };
  beforeAll(async () => {
    dino = await startDino('start', { ...cassandra!.env(), DINO_CASSANDRA_TIMEOUT_MS: '1500' });
  });
  afterAll(async () => {
    if (frozen) await freezeNode(false);
    await dino?.stop();
  });

  it('answers 503 with code 620 while the node hangs, and recovers without restarting Dino', async () => {
    const owner = 1 + Math.floor(Math.random() * 1e9);
    const groupId = (await api(dino.base, 'POST', `/v1/users/${owner}/groups/create`, { group_name: 'o', users: [] })).body.group_id;
    const send = (text: string) => api(dino.base, 'POST', `/v1/groups/${groupId}/user/${owner}/send`, { message_payload: text, message_type: 'text' });
    const accepted: string[] = [];
    expect((await send('before')).status).toBe(200);
    accepted.push('before');

    await freezeNode(true);
    try {
      const during = await send('during');
      expect(during.status).toBe(503);
      expect(during.body.code).toBe(620);
      // A history is read from storage (a group row may still be served from the cache).
      const read = await api(dino.base, 'POST', `/v1/groups/${groupId}/user/${owner}/histories`, { per_page: 10 });
      expect(read).toMatchObject({ status: 503, body: { code: 620 } });
      const ready = await api(dino.base, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.parts.storage).toMatch(/^down/);
    } finally {
      await freezeNode(false);
    }

    let after = await send('after');
    for (let i = 0; i < 60 && after.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 500));
      after = await send('after');
    }
    expect(after.status).toBe(200);
    accepted.push('after');

    // Every accepted message is there once; the group's last message converges to the newest stored one (the
    // projector retries what it could not write during the outage).
    const history = (await api(dino.base, 'POST', `/v1/groups/${groupId}/user/${owner}/histories`, { per_page: 100 })).body.messages;
    const texts = history.map((m: any) => m.message_payload);
    for (const text of accepted) expect(texts.filter((t: string) => t === text)).toHaveLength(1);
    await until('the group\'s last message to be the newest stored one', async () =>
      (await api(dino.base, 'GET', `/v1/groups/${groupId}`)).body.last_message_id === history[0].message_id, 30_000);
  });
});
