/**
 * What one broadcast costs Redis on the send path: bytes it holds in the stream (MEMORY USAGE before and after, over
 * `count` broadcasts of one shape), the size of its encoded entry, and the commands and server CPU time the API spent
 * queueing it (INFO commandstats). No fan-out node runs: the entries stay in the stream to be weighed.
 */
import { api } from '../../test/support/dino-process.js';
import { uniqueUserIds } from '../support/ids.js';
import { commandStats, redisCpuSeconds, type CapacityRig } from './rig.js';

export interface StreamCost {
  shape: string;
  recipients: number;
  broadcasts: number;
  /** Growth of MEMORY USAGE of the stream key, per broadcast. */
  bytesInRedisPerBroadcast: number;
  /** Length of the entry's fields as stored (what XRANGE returns). */
  entryBytes: number;
  /** Redis commands per broadcast (by name), and Redis's CPU µs per broadcast over all of them. */
  commandsPerBroadcast: Record<string, number>;
  /** Redis's µs in each command (INFO commandstats), per broadcast: XADD's own cost among them. */
  usecPerBroadcastByCommand: Record<string, number>;
  redisUsecPerBroadcast: number;
  /** Redis's own CPU time per broadcast (INFO cpu: commands, network and all), the figure to size it on. */
  redisCpuUsecPerBroadcast: number;
}

const memory = async (rig: CapacityRig, key: string) => Number(await rig.admin.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) || 0;

async function lastEntryBytes(rig: CapacityRig, key: string): Promise<number> {
  const [entry] = (await rig.admin.xrevrangeBuffer(key, '+', '-', 'COUNT', 1)) as Array<[Buffer, Buffer[]]>;
  return entry ? entry[1].reduce((n, field) => n + field.length, 0) : 0;
}

/** Sends `count` broadcasts made by `send`, measured between two snapshots. */
async function measure(rig: CapacityRig, stream: string, shape: string, recipients: number, count: number,
  send: () => Promise<void>): Promise<StreamCost> {
  const memBefore = await memory(rig, stream);
  await rig.admin.config('RESETSTAT');
  const cpuBefore = await redisCpuSeconds(rig.admin);
  for (let i = 0; i < count; i++) await send();
  const cpu = (await redisCpuSeconds(rig.admin)) - cpuBefore;
  const stats = await commandStats(rig.admin);
  delete stats.config; // our own RESETSTAT / INFO
  delete stats.info;
  const perBroadcast = (pick: (s: { calls: number; usec: number }) => number) =>
    Object.fromEntries(Object.entries(stats).map(([name, s]) => [name, Math.round((100 * pick(s)) / count) / 100]));
  const commandsPerBroadcast = perBroadcast((s) => s.calls);
  const usecPerBroadcastByCommand = perBroadcast((s) => s.usec);
  const usec = Object.values(stats).reduce((n, s) => n + s.usec, 0);
  return {
    shape, recipients, broadcasts: count, bytesInRedisPerBroadcast: Math.round(((await memory(rig, stream)) - memBefore) / count),
    entryBytes: await lastEntryBytes(rig, stream), commandsPerBroadcast, usecPerBroadcastByCommand, redisUsecPerBroadcast: Math.round(usec / count),
    redisCpuUsecPerBroadcast: Math.round((cpu * 1e6) / count),
  };
}

async function post(base: string, path: string, body: unknown, expected: number): Promise<any> {
  const answer = await api(base, 'POST', path, body);
  if (answer.status !== expected) throw new Error(`POST ${path}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  return answer.body;
}

export async function measureStreamCosts(rig: CapacityRig): Promise<StreamCost[]> {
  const stream = `${rig.stream}:weigh`;
  const server = await rig.launch('server', {}, stream);
  const results: StreamCost[] = [];
  try {
    for (const members of [50, 1000, 10_000]) {
      const [owner, ...others] = uniqueUserIds(members);
      const group = await post(server.base, `/v1/users/${owner}/groups/create`, { group_name: `cap ${members}`, users: others }, 200);
      results.push(await measure(rig, stream, `group message, ${members} members`, members, 50, async () => {
        await post(server.base, `/v1/groups/${group.group_id}/user/${owner}/send`, { message_payload: 'a message of 40 characters, give or take', message_type: 'text' }, 200);
      }));
    }
    for (const recipients of [1000, 100_000]) {
      const userIds = uniqueUserIds(recipients);
      results.push(await measure(rig, stream, `notification, ${recipients} recipients`, recipients, recipients > 10_000 ? 3 : 20, async () => {
        await post(server.base, '/v1/notification/send', { event_type: 'cap', notification: [{ user_ids: userIds, data: { text: 'hello' } }] }, 201);
      }));
    }
  } finally {
    await server.close();
    await rig.admin.del(stream);
  }
  return results;
}
