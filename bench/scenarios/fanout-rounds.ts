/**
 * One measured fan-out round, through Dino (REST in, MQTT out) or through the raw mqtt.js baseline (MQTT only),
 * counted by the same subscriber farm. The events are alike: Dino's `message` event with a `created_at` for group
 * sends, the caller's data with a `sent_at` for notifications; per-delivery latency is arrival minus that time.
 */
import { randomUUID } from 'node:crypto';
import { api } from '../../test/support/dino-process.js';
import type { SubscriberFarm } from '../../test/support/subscriber-farm.js';
import type { RawMqttPublisher } from '../baselines/raw-mqtt.js';
import type { FanoutRound, FanoutScenario } from '../model.js';
import { every, progress } from '../progress.js';
import type { BenchDino } from '../support/dino.js';
import { sampleRssMax } from '../support/proc.js';

export const now = () => performance.timeOrigin + performance.now();

/** POSTs to Dino at once, for a group's messages: enough to keep its pipeline full, few enough for a small box. */
const SEND_CONCURRENCY = 8;

export interface FanoutSetup {
  scenario: FanoutScenario;
  dino: BenchDino;
  farm: SubscriberFarm;
  raw: RawMqttPublisher;
  topicPrefix: string;
  /** The group of a `group` scenario, and the member who sends. */
  group?: { groupId: string; senderId: number };
  timeoutMs: number;
  label: string;
}

/** What one round sends: to these users, this many events, of which `subscribed` × events are counted. */
export interface RoundPlan {
  userIds: number[];
  messages: number;
  subscribed: number;
  /** Distinguishes rounds' notifications (the farm's duplicate key). */
  seq: number;
}

export async function dinoRound(setup: FanoutSetup, plan: RoundPlan): Promise<FanoutRound> {
  if (setup.scenario.kind === 'notification') return dinoNotificationRound(setup, plan);
  const { groupId, senderId } = setup.group!;
  const startedAt = now();
  let firstAcceptAt: number | undefined;
  await inParallel(plan.messages, SEND_CONCURRENCY, async (i) => {
    const sent = await api(setup.dino.base, 'POST', `/v1/groups/${groupId}/user/${senderId}/send`,
      { message_payload: `bench message ${plan.seq}.${i}`, message_type: 'text' });
    if (sent.status !== 200) throw new Error(`send: ${sent.status} ${JSON.stringify(sent.body)}`);
    firstAcceptAt ??= now();
  });
  return collect(setup, plan, 'dino', startedAt, firstAcceptAt!);
}

async function dinoNotificationRound(setup: FanoutSetup, plan: RoundPlan): Promise<FanoutRound> {
  const ids = JSON.stringify(plan.userIds);
  const rss = sampleRssMax(setup.dino.pid);
  const sentAt = now();
  const body = `{"event_type":"bench","notification":[{"user_ids":${ids},"data":${JSON.stringify(notificationData(plan.seq, sentAt))}}]}`;
  const sent = await api(setup.dino.base, 'POST', '/v1/notification/send', body);
  const acceptedAt = now();
  if (sent.status !== 201 || sent.body.recipients !== plan.userIds.length) throw new Error(`notification: ${sent.status} ${JSON.stringify(sent.body)}`);
  const round = await collect(setup, plan, 'dino', sentAt, acceptedAt);
  return { ...round, rssMaxMb: rss.stop() };
}

export async function rawRound(setup: FanoutSetup, plan: RoundPlan): Promise<FanoutRound> {
  const group = setup.group;
  const payload = group
    ? (i: number) => Buffer.from(JSON.stringify({ event_type: 'message', group_id: group.groupId, sender_id: group.senderId,
      message_id: randomUUID(), message_payload: `bench message ${plan.seq}.${i}`, message_type: 'text', created_at: now() / 1000 }))
    : () => Buffer.from(JSON.stringify({ ...notificationData(plan.seq, now()), event_type: 'bench' }));
  const published = setup.raw.publish({ userIds: plan.userIds, topicPrefix: setup.topicPrefix, events: plan.messages, payload });
  const startedAt = now();
  const [result, round] = await Promise.all([published, collect(setup, plan, 'raw', startedAt, startedAt)]);
  return { ...round, allAckedMs: result.allAckedAt - result.startedAt };
}

const notificationData = (seq: number, sentAt: number) => ({ text: 'bench notification', seq, sent_at: sentAt });

/**
 * Waits for the round's deliveries (or the timeout), reads the farm's counts and clears them for the next round.
 * Deliveries per second count every publish of the round (sampled notifications included) over first request →
 * last arrival.
 */
async function collect(setup: FanoutSetup, plan: RoundPlan, who: string, startedAt: number, acceptedAt: number): Promise<FanoutRound> {
  const expected = plan.subscribed * plan.messages;
  const stop = every(250, () => progress(`${setup.label}: ${who} ${setup.farm.deliveries}/${expected} deliveries`));
  try {
    await setup.farm.waitForDeliveries(expected, setup.timeoutMs).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300)); // late duplicates
  } finally {
    stop();
  }
  const report = await setup.farm.report(plan.messages);
  await setup.farm.reset();
  const last = report.lastArrival ?? Number.NaN;
  return {
    deliveriesPerSec: (plan.userIds.length * plan.messages) / ((last - startedAt) / 1000),
    acceptToLastMs: last - acceptedAt,
    p50Ms: report.latency?.p50,
    p99Ms: report.latency?.p99,
    expected,
    lost: Math.max(0, expected - (report.deliveries - report.duplicates)),
    duplicates: report.duplicates,
  };
}

/** Runs task(0..count-1) with at most `width` running at once; the first failure rejects. */
async function inParallel(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, lane));
}
