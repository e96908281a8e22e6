/**
 * Fan-out scenarios: `dino start` against its embedded broker or Mosquitto, a subscriber farm of real mqtt.js users
 * (persistent sessions, QoS 1), and in the same run the raw mqtt.js baseline publishing the same events to the same
 * broker and users. Dino and baseline rounds alternate in order so a slow patch of the box hits both alike.
 */
import { api } from '../../test/support/dino-process.js';
import { SubscriberFarm } from '../../test/support/subscriber-farm.js';
import { RawMqttPublisher } from '../baselines/raw-mqtt.js';
import type { BrokerKind, FanoutResult, FanoutRound, FanoutScenario, FanoutSide } from '../model.js';
import { note, progress } from '../progress.js';
import { figure, ratioFigure } from '../stats.js';
import { launchDino, type BenchDino } from '../support/dino.js';
import { spreadSample, uniqueTopicPrefix, uniqueUserIds } from '../support/ids.js';
import { rssMb } from '../support/proc.js';
import { dinoRound, rawRound, type FanoutSetup, type RoundPlan } from './fanout-rounds.js';

export const MOSQUITTO_URL = 'mqtt://127.0.0.1:1883';

export interface FanoutOptions {
  brokers: BrokerKind[];
  scenarios: FanoutScenario[];
  runs: number;
  timeoutMs: number;
}

export async function runFanout(options: FanoutOptions): Promise<FanoutResult[]> {
  const results: FanoutResult[] = [];
  for (const broker of options.brokers) {
    for (const scenario of options.scenarios) {
      const result = await runScenario(broker, scenario, options);
      results.push(result);
      note(`fan-out ${broker} ${scenario.id}: dino ${Math.round(result.dino.deliveriesPerSec.median)}/s, ` +
        `raw ${Math.round(result.baseline.deliveriesPerSec.median)}/s, ratio ${result.ratio.median.toFixed(2)}`);
    }
  }
  return results;
}

async function runScenario(broker: BrokerKind, scenario: FanoutScenario, options: FanoutOptions): Promise<FanoutResult> {
  const label = `fan-out ${broker} ${scenario.id}`;
  const topicPrefix = broker === 'mosquitto' ? uniqueTopicPrefix() : '';
  progress(`${label}: starting dino`);
  const dino = await launchDino('start', broker === 'mosquitto' ? { DINO_MQTT_URL: MOSQUITTO_URL, DINO_MQTT_TOPIC_PREFIX: topicPrefix } : {});
  let farm: SubscriberFarm | undefined;
  let raw: RawMqttPublisher | undefined;
  const troubles: string[] = []; // filled once dino stopped, in the result returned meanwhile
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idleMb = rssMb(dino.pid);
    const url = broker === 'mosquitto' ? MOSQUITTO_URL : `mqtt://127.0.0.1:${dino.mqttPort}`;
    const userIds = uniqueUserIds(scenario.users);
    const subscribers = spreadSample(userIds, scenario.subscribers);
    // Created before anyone subscribes: its `group` event reaches no session and stays out of the counts.
    const group = scenario.kind === 'group' ? await createGroup(dino, userIds) : undefined;
    progress(`${label}: connecting ${subscribers.length} subscribers`);
    farm = await SubscriberFarm.start({
      url, userIds: subscribers, processes: 4, topicPrefix,
      ...(group ? { keyField: 'message_id', timeField: 'created_at', timeUnit: 's' } : { keyField: 'seq', timeField: 'sent_at' }),
    });
    await farm.ready(240_000);
    raw = await RawMqttPublisher.connect(url);
    const setup: FanoutSetup = { scenario, dino, farm, raw, topicPrefix, group, timeoutMs: options.timeoutMs, label };
    await warmUp(setup, userIds, subscribers);
    const dinoRounds: FanoutRound[] = [];
    const rawRounds: FanoutRound[] = [];
    const plan = (seq: number): RoundPlan => ({ userIds, messages: scenario.messages, subscribed: subscribers.length, seq });
    for (let run = 1; run <= options.runs; run++) {
      setup.label = `${label} run ${run}/${options.runs}`;
      const dinoFirst = run % 2 === 1;
      if (!dinoFirst) rawRounds.push(await rawRound(setup, plan(2 * run)));
      dinoRounds.push(await dinoRound(setup, plan(2 * run + 1)));
      if (dinoFirst) rawRounds.push(await rawRound(setup, plan(2 * run)));
    }
    const dinoSide = summarise(dinoRounds);
    const baseline = summarise(rawRounds);
    const rssMax = dinoRounds.map((r) => r.rssMaxMb);
    return {
      broker, scenario, dino: dinoSide, baseline, ratio: ratioFigure(dinoSide.deliveriesPerSec, baseline.deliveriesPerSec),
      rss: { idleMb, maxMb: rssMax.some((v) => v !== undefined) ? figure(rssMax) : undefined }, troubles,
    };
  } finally {
    progress(`${label}: cleaning up`);
    await raw?.close();
    await farm?.stop({ purgeSessions: broker === 'mosquitto' });
    troubles.push(...await dino.close());
    if (troubles.length > 0) note(`${label}: dino logged ${troubles.length} warnings/errors, first: ${troubles[0]!.slice(0, 300)}`);
  }
}

async function createGroup(dino: BenchDino, userIds: number[]) {
  const [senderId, ...others] = userIds as [number, ...number[]];
  const created = await api(dino.base, 'POST', `/v1/users/${senderId}/groups/create`, { group_name: 'bench', users: others });
  if (created.status !== 200) throw new Error(`group create: ${created.status} ${JSON.stringify(created.body)}`);
  return { groupId: created.body.group_id as string, senderId };
}

/**
 * One small round of each kind before measuring, so neither side pays for JIT compilation or first connections in a
 * measured round: one message to the group, or a notification to the last 5 000 ids (with the sampled last one).
 */
async function warmUp(setup: FanoutSetup, userIds: number[], subscribers: number[]): Promise<void> {
  const slice = setup.group ? userIds : userIds.slice(-5000);
  const first = slice[0]!;
  const plan: RoundPlan = { userIds: slice, messages: 1, subscribed: subscribers.filter((id) => id >= first).length, seq: 0 };
  const label = setup.label;
  setup.label = `${label} warm-up`;
  await dinoRound(setup, plan);
  await rawRound(setup, { ...plan, seq: 1 });
  setup.label = label;
}

function summarise(rounds: FanoutRound[]): FanoutSide {
  const pick = (key: keyof FanoutRound) => figure(rounds.map((r) => r[key]));
  return {
    deliveriesPerSec: pick('deliveriesPerSec'), acceptToLastMs: pick('acceptToLastMs'), p50Ms: pick('p50Ms'), p99Ms: pick('p99Ms'),
    allAckedMs: rounds.some((r) => r.allAckedMs !== undefined) ? pick('allAckedMs') : undefined,
    lost: rounds.reduce((n, r) => n + r.lost, 0), duplicates: rounds.reduce((n, r) => n + r.duplicates, 0),
  };
}
