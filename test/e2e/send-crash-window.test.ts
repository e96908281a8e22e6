import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../src/redis/keys.js';
import { storageBackends } from '../support/backends.js';
import { api, startDino, type DinoProcess } from '../support/dino-process.js';
import { freeze, thaw } from '../support/freeze.js';
import { REDIS_URL } from '../support/redis-config.js';
import { cassandraContactPoint, cassandraPid } from '../support/services.js';
import { until } from '../support/wait.js';

const cassandra = (await storageBackends()).find((b) => b.name === 'cassandra');
const nodePid = cassandra ? cassandraPid() : undefined;

/** Bytes waiting unread in the Cassandra node's end of each of its connections (`ss`; the node frozen, they pile up). */
function unreadAtNode(cqlPort: string): number[] {
  const lines = execFileSync('ss', ['-Htn', 'state', 'established', `( sport = :${cqlPort} )`], { encoding: 'utf8' }).trim().split('\n');
  return lines.filter(Boolean).map((line) => Number(line.trim().split(/\s+/)[0]));
}

/**
 * The window between a send's two commits on Cassandra + Redis: its message row is written, then its broadcast is
 * appended to the stream. A `dino server` killed in between leaves a row nobody was told of; the send intent it
 * recorded first lets another API process remove that row once DINO_SEND_GRACE_MS has passed.
 */
describe.skipIf(!cassandra || !nodePid || !REDIS_URL)('a send whose process dies between its row and its broadcast', () => {
  const tag = randomBytes(4).toString('hex');
  const stream = `dino:test:crash-window:${tag}`;
  const env = { ...cassandra!.env(), DINO_REDIS_URL: REDIS_URL!, DINO_STREAM: stream, DINO_STREAM_GROUP: `crash-window-${tag}` };
  const running: DinoProcess[] = [];
  let frozen = false;
  const redis = new Redis(REDIS_URL!);
  afterAll(async () => {
    if (frozen) thaw(nodePid!);
    await Promise.all(running.map((p) => p.stop('SIGKILL')));
    await redis.del(stream, redisKeys({ stream }).sendIntents);
    redis.disconnect();
  });
  const server = async (graceMs: number) => {
    const dino = await startDino('server', { ...env, DINO_SEND_GRACE_MS: String(graceMs) });
    running.push(dino);
    return dino;
  };
  const texts = async (base: string, groupId: string, userId: number) =>
    (await api(base, 'POST', `/v1/groups/${groupId}/user/${userId}/histories`, { per_page: 100 })).body.messages.map((m: any) => m.message_payload);

  it('leaves no message stored that was never announced: its row is removed after the grace', async () => {
    const owner = 1 + Math.floor(Math.random() * 1e9);
    const first = await server(600_000);
    const groupId = (await api(first.base, 'POST', `/v1/users/${owner}/groups/create`, { group_name: 'w', users: [] })).body.group_id;
    const send = (base: string, text: string) =>
      api(base, 'POST', `/v1/groups/${groupId}/user/${owner}/send`, { message_payload: text, message_type: 'text' });
    expect((await send(first.base, 'before')).status).toBe(200);

    // The node frozen, the send records its intent and hands its row to the node, which cannot take it yet; the
    // process dies then. The row still reaches the node (already in its socket) once it runs again.
    frozen = true;
    await freeze(nodePid!);
    void send(first.base, 'orphan').catch(() => undefined);
    await until('the send\'s intent in Redis', async () => (await redis.scard(redisKeys({ stream }).sendIntents)) === 1, 30_000);
    const cqlPort = cassandraContactPoint()!.split(':').pop()!;
    await until('the row write to wait at the node', () => unreadAtNode(cqlPort).some((bytes) => bytes > 60), 30_000, 5);
    await first.stop('SIGKILL');
    thaw(nodePid!);
    frozen = false;

    // Another process with a long grace shows the orphan: stored, yet its broadcast never reached the stream.
    const second = await server(600_000);
    await until('the orphan row to be stored', async () => (await texts(second.base, groupId, owner)).includes('orphan'), 30_000, 100);
    const entries = (await redis.xrange(stream, '-', '+')).map(([, fields]) => fields.join(' '));
    expect(entries.some((entry) => entry.includes('orphan'))).toBe(false);
    await second.stop('SIGKILL');

    // One with a short grace removes it, and its intent; what was sent before stays.
    const third = await server(1000);
    await until('the orphan row to be removed', async () => !(await texts(third.base, groupId, owner)).includes('orphan'), 30_000, 100);
    expect(await texts(third.base, groupId, owner)).toEqual(['before']);
    expect(await redis.scard(redisKeys({ stream }).sendIntents)).toBe(0);
    expect((await send(third.base, 'after')).status).toBe(200);
    expect(await texts(third.base, groupId, owner)).toEqual(['after', 'before']);
  });
});
