/**
 * What a delivery costs each process, through one `dino fanout` (DINO_WORKERS = each of `workers`) to subscribed
 * users, in two shapes: `messages` notifications to all `users` (large broadcasts), and `groupMessages` sends to a
 * group of `groupSize` of them (small broadcasts, where the per-broadcast work weighs). Measured as wall-clock
 * deliveries/s and as CPU seconds of the fan-out process, Mosquitto, Redis and the API process (/proc, all threads;
 * Redis from its own INFO cpu). CPU time is what sizes a cluster: on this shared 2-core box the wall-clock rate is
 * bounded by everything else running beside (subscribers included), CPU per delivery much less so.
 */
import { api } from '../../test/support/dino-process.js';
import { SubscriberFarm } from '../../test/support/subscriber-farm.js';
import { until } from '../../test/support/wait.js';
import { note } from '../progress.js';
import type { BenchDino } from '../support/dino.js';
import { uniqueUserIds } from '../support/ids.js';
import { CapacityRig, redisCpuSeconds } from './rig.js';

export interface FanoutCostRun {
  shape: 'notification' | 'group';
  workers: number;
  broadcasts: number;
  deliveries: number;
  wallMs: number;
  deliveriesPerSec: number;
  /** CPU seconds used during the run, by process. */
  cpu: { fanout: number; mosquitto: number; redis: number; server: number };
  duplicates: number;
  /** Deliveries expected less distinct deliveries seen (the farm counts per user and key). */
  missing: number;
}

export interface FanoutCostOptions {
  users: number;
  messages: number;
  groupSize: number;
  groupMessages: number;
  workers: number[];
  runs: number;
}

async function post(base: string, path: string, body: unknown): Promise<any> {
  const answer = await api(base, 'POST', path, body);
  if (answer.status !== 200 && answer.status !== 201) throw new Error(`POST ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

export async function measureFanoutCosts(rig: CapacityRig, o: FanoutCostOptions): Promise<FanoutCostRun[]> {
  const userIds = uniqueUserIds(o.users);
  const server = await rig.launch('server');
  const farm = await SubscriberFarm.start({ url: rig.mqttUrl, userIds, processes: 4, topicPrefix: rig.prefix, progressIntervalMs: 20,
    keyField: 'key' });
  const runs: FanoutCostRun[] = [];
  let seq = 0;
  const [owner, ...members] = userIds.slice(0, o.groupSize) as [number, ...number[]];
  /** Sends `count` broadcasts of a shape with `act`; resolves once every recipient has them, with the farm's report. */
  const deliver = async (recipients: number[], count: number, act: () => Promise<void>) => {
    const target = farm.deliveries + count * recipients.length;
    await act();
    await until(`${target} deliveries`, () => farm.deliveries >= target, 300_000, 20);
    return farm.report(0);
  };
  const notifications = (count: number) => deliver(userIds, count, async () => {
    for (let i = 0; i < count; i++) await post(server.base, '/v1/notification/send', { event_type: 'cap', notification: [{ user_ids: userIds, data: { key: `n${++seq}` } }] });
  });
  await farm.ready(180_000);
  const group = await post(server.base, `/v1/users/${owner}/groups/create`, { group_name: 'capacity', users: members });
  const groupSends = (count: number) => deliver([owner, ...members], count, async () => {
    // 8 callers at once, as a busy group would be; the farm keys group events by message_id.
    let left = count;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (left-- > 0) await post(server.base, `/v1/groups/${group.group_id}/user/${owner}/send`, { message_payload: 'a message of 40 characters, give or take', message_type: 'text' });
    }));
  });
  const measure = async (fanout: BenchDino, shape: FanoutCostRun['shape'], workers: number, broadcasts: number, recipients: number,
    act: () => Promise<Awaited<ReturnType<typeof deliver>>>) => {
    const pids = { fanout: fanout.pid, mosquitto: rig.mosquitto.pid!, server: server.child.pid! };
    const cpuNow = async (): Promise<Record<string, number>> => ({ ...CapacityRig.cpu(pids), redis: await redisCpuSeconds(rig.admin) });
    const before = await cpuNow();
    const { duplicates: duplicatesBefore, deliveries: deliveriesBefore } = await farm.report(0);
    const started = Date.now();
    const report = await act();
    const after = await cpuNow();
    const wallMs = report.lastArrival! - started;
    const deliveries = broadcasts * recipients;
    const cpu = Object.fromEntries(Object.keys(after).map((k) => [k, Math.round((after[k]! - before[k]!) * 10_000) / 10_000])) as FanoutCostRun['cpu'];
    runs.push({ shape, workers, broadcasts, deliveries, wallMs: Math.round(wallMs), deliveriesPerSec: Math.round(deliveries / (wallMs / 1000)), cpu,
      duplicates: report.duplicates - duplicatesBefore,
      missing: deliveries - (report.deliveries - deliveriesBefore - (report.duplicates - duplicatesBefore)) });
    note(`${shape}, DINO_WORKERS=${workers}: ${deliveries} deliveries in ${Math.round(wallMs)} ms; CPU s ${JSON.stringify(cpu)}`);
  };
  try {
    for (let round = 1; round <= o.runs; round++) {
      for (const workers of o.workers) {
        const fanout = await rig.launch('fanout', { DINO_WORKERS: String(workers) });
        try {
          await notifications(1); // warm-up: publisher connections, JIT
          await measure(fanout, 'notification', workers, o.messages, o.users, () => notifications(o.messages));
          await measure(fanout, 'group', workers, o.groupMessages, o.groupSize, () => groupSends(o.groupMessages));
        } finally {
          await fanout.close();
        }
      }
    }
  } finally {
    await farm.stop({ purgeSessions: false });
    await server.close();
  }
  return runs;
}
