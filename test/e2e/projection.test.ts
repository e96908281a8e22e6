/**
 * Derived state off the request path: a send stores the message row and queues its event; the group's last message
 * and the sender's last send and read mark are applied by the fan-out side's projector. These tests run the real
 * processes (`dino server` and `dino fanout` over the run's Redis, publishing to its Mosquitto) on each storage and
 * check what a user of the API sees: nothing derived before a fan-out node runs, then convergence to the newest
 * stored message, also when the node doing it is killed mid-way and another takes over.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { storageBackends } from '../support/backends.js';
import { api, startDino, type DinoProcess } from '../support/dino-process.js';
import { mosquittoUrl, redisUrl } from '../support/services.js';
import { until } from '../support/wait.js';

const [REDIS_URL, MQTT_URL] = [redisUrl()!, mosquittoUrl()!];
const GROUPS = 8;
const SENDS_PER_GROUP = 15;
const IN_FLIGHT = 16;

interface Sent {
  groupId: string;
  senderId: number;
  messageId: string;
  createdAt: number;
}

const randomUser = () => 3e12 + Math.floor(Math.random() * 1e12);

/** The newest of `sent` by creation time. */
const newest = (sent: Sent[]): Sent => sent.reduce((a, b) => (b.createdAt > a.createdAt ? b : a));

/** Sends round-robin over the groups and their members, `IN_FLIGHT` at a time; every answer must be a 200. */
async function burst(base: string, groups: Array<{ groupId: string; members: number[] }>): Promise<Sent[]> {
  const jobs = groups.flatMap(({ groupId, members }) =>
    Array.from({ length: SENDS_PER_GROUP }, (_, i) => ({ groupId, senderId: members[i % members.length]! })));
  const sent: Sent[] = [];
  const lane = async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) {
      const answer = await api(base, 'POST', `/v1/groups/${job.groupId}/user/${job.senderId}/send`,
        { message_payload: `from ${job.senderId}`, message_type: 'text' });
      expect(answer.status).toBe(200);
      sent.push({ ...job, messageId: answer.body.message_id, createdAt: answer.body.created_at });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return sent;
}

/**
 * True once every group's last message is its newest stored one and every sender's last send is its newest send in
 * that group, with the read mark at least there; otherwise a description of the first difference.
 */
async function converged(base: string, sent: Sent[]): Promise<true | string> {
  for (const groupId of new Set(sent.map((s) => s.groupId))) {
    const ofGroup = sent.filter((s) => s.groupId === groupId);
    const group = (await api(base, 'GET', `/v1/groups/${groupId}`)).body;
    if (group.last_message_id !== newest(ofGroup).messageId) return `group ${groupId}: last message ${group.last_message_id}`;
    for (const senderId of new Set(ofGroup.map((s) => s.senderId))) {
      const last = newest(ofGroup.filter((s) => s.senderId === senderId));
      const list = (await api(base, 'POST', `/v1/users/${senderId}/groups`, { per_page: 50 })).body as any[];
      const stats = list.find((row) => row.group.group_id === groupId)?.stats;
      if (stats?.last_sent_time !== last.createdAt || !(stats.last_read_time >= last.createdAt)) {
        return `user ${senderId} in ${groupId}: ${JSON.stringify(stats)}, newest send at ${last.createdAt}`;
      }
    }
  }
  return true;
}

describe.each(await storageBackends())('derived state on $name', (backend) => {
  const tag = randomBytes(4).toString('hex');
  const env = {
    ...backend.env(), DINO_REDIS_URL: REDIS_URL, DINO_STREAM: `dino:test:projection:${tag}`, DINO_STREAM_GROUP: `projection-${tag}`,
    DINO_MQTT_URL: MQTT_URL, DINO_MQTT_TOPIC_PREFIX: `t/${tag}/`, DINO_WORKERS: '1', DINO_FANOUT_CONCURRENCY: '1', DINO_NODE_TTL_MS: '1000',
  };
  const running: DinoProcess[] = [];
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop('SIGKILL')));
  });

  it('is applied only by the fan-out side, survives a kill -9 of the node mid-burst, and converges', async () => {
    const server = await startDino('server', env);
    running.push(server);
    const groups = await Promise.all(Array.from({ length: GROUPS }, async () => {
      const members = [randomUser(), randomUser(), randomUser()];
      const created = await api(server.base, 'POST', `/v1/users/${members[0]}/groups/create`, { group_name: 'p', users: members.slice(1) });
      return { groupId: created.body.group_id as string, members };
    }));
    const sent = await burst(server.base, groups);

    // No fan-out node yet: every message is stored and queued, nothing derived from it is.
    for (const { groupId } of groups) {
      expect((await api(server.base, 'GET', `/v1/groups/${groupId}`)).body.last_message_id).toBeNull();
    }
    const owner = groups[0]!;
    const history = await api(server.base, 'POST', `/v1/groups/${owner.groupId}/user/${owner.members[1]}/histories`, { per_page: 100 });
    expect(new Set(history.body.messages.map((m: any) => m.message_id)))
      .toEqual(new Set(sent.filter((s) => s.groupId === owner.groupId).map((s) => s.messageId)));

    // A node starts projecting; it is killed as soon as a first group shows a last message.
    const first = await startDino('fanout', env);
    running.push(first);
    await until('a first projected group', async () => {
      for (const { groupId } of groups) {
        if ((await api(server.base, 'GET', `/v1/groups/${groupId}`)).body.last_message_id) return true;
      }
      return false;
    }, 30_000, 5);
    await first.stop('SIGKILL');
    const partial = await converged(server.base, sent);

    // Another node takes the dead one's entries over (liveness lapse) and the rest of the stream.
    const takeover = performance.now();
    running.push(await startDino('fanout', env));
    await until('every group and sender to converge', async () => (await converged(server.base, sent)) === true, 60_000, 50);
    console.log(`[projection ${backend.name}] after the kill: ${partial === true ? 'already converged' : `not yet (${partial})`}; `
      + `converged ${Math.round(performance.now() - takeover)} ms after the second node started`);
  });

  it('converges within moments of a burst while a node runs', async () => {
    const server = await startDino('server', env);
    running.push(server, await startDino('fanout', { ...env, DINO_FANOUT_CONCURRENCY: '8' }));
    const members = [randomUser(), randomUser(), randomUser()];
    const created = await api(server.base, 'POST', `/v1/users/${members[0]}/groups/create`, { group_name: 'q', users: members.slice(1) });
    const sent = await burst(server.base, [{ groupId: created.body.group_id, members }]);
    const lastAnswer = performance.now();
    await until('the burst to converge', async () => (await converged(server.base, sent)) === true, 30_000, 5);
    console.log(`[projection ${backend.name}] ${sent.length} sends: converged ${Math.round(performance.now() - lastAnswer)} ms after the last answer`);
  });
});
