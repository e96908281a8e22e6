/**
 * Horizontally scaled fan-out, end to end with real processes: one `dino server` (HTTP, SQLite) and two `dino fanout`
 * nodes sharing a Redis Stream consumer group, publishing to a real Mosquitto, received by 5 000 persistent-session
 * subscribers in a multi-process farm. Covers load sharing, kill -9 of a node with default settings, a node frozen
 * (SIGSTOP) for 2 s, Redis connections dropped mid-run, per-group order across nodes and a graceful stop mid-run.
 * Run on one Redis (redis-fanout.test.ts) and on a 3-master Redis Cluster with 3 partitions (redis-fanout-cluster.test.ts).
 *
 * Everything shared is namespaced by a random tag: stream and group, topic prefix, user ids (≥ 1e12, which are also
 * the subscribers' MQTT client ids). Only the Redis connections of this file's own child processes are ever killed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, isRunning, startDino, type DinoProcess } from '../support/dino-process.js';
import { sleep, until } from '../support/wait.js';
import { freeze, thaw } from '../support/freeze.js';
import { MqttUser } from '../support/mqtt-user.js';
import { loadConfig } from '../../src/config.js';
import { mosquittoUrl } from '../support/services.js';
import { pidOfConsumer, StreamAdmin } from '../support/stream-admin.js';
import { SubscriberFarm, type FarmReport } from '../support/subscriber-farm.js';

const USERS = 5000;
const MESSAGES = 20;
const PER_RUN = USERS * MESSAGES;
const CLAIM_IDLE_MS = 2000;
/** Liveness and claim settings as shipped: what the kill -9 and SIGSTOP scenarios run with. */
const DEFAULTS = loadConfig({ DINO_REDIS_URL: 'redis://127.0.0.1' }).redis!;
/**
 * The claim idle time of the graceful-stop scenario: far above the test's length, so no entry of the node being stopped
 * is ever taken over, however slowly it drains. Whatever of its work gets done, it did itself.
 */
const NEVER_CLAIM_MS = 10 * 60_000;

const tag = randomBytes(4).toString('hex');
const STREAM = `dino:test:${tag}`;
const GROUP = `dino-test-${tag}`;
const PREFIX = `t/${tag}/`;
// Far above anyone else's ids: on the shared Mosquitto a user id is also an MQTT client id.
const BASE = 1_000_000_000_000 + Math.floor(Math.random() * 1e9) * 10_000;
const userIds = Array.from({ length: USERS }, (_, i) => BASE + i);
const ORDER_USER = BASE + USERS;

const now = () => performance.timeOrigin + performance.now();


/** CPU seconds (user + system) a process used so far, from /proc; 0 where there is none. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The suite on the Redis at `redisUrl` (one server, or redis+cluster://), its stream in `partitions` partitions. */
export function redisFanoutSuite(name: string, redisUrl: string | undefined, partitions: number): void {
const REDIS_URL = redisUrl!;
const MQTT_URL = mosquittoUrl()!;
describe.skipIf(!(redisUrl && MQTT_URL))(`fan-out across Redis-coordinated \`dino fanout\` processes (Mosquitto, 5 000 users): ${name}`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dino-redis-fanout-'));
  const common = {
    DINO_REDIS_URL: REDIS_URL, DINO_STREAM: STREAM, DINO_STREAM_GROUP: GROUP, DINO_CLAIM_IDLE_MS: String(CLAIM_IDLE_MS),
    DINO_STREAM_PARTITIONS: String(partitions), DINO_MQTT_URL: MQTT_URL, DINO_MQTT_TOPIC_PREFIX: PREFIX,
    // The fan-out nodes write each message's group state (the projector) into the server's own store.
    DINO_DATA_DIR: dataDir,
  };
  let server: DinoProcess;
  const fanouts: DinoProcess[] = [];
  let farm: SubscriberFarm;
  let streams: StreamAdmin;
  /** Distinct events each farm user should have by now (the farm counts over the whole file). */
  let expectedPerUser = 0;
  let runNumber = 0;

  const startFanout = async (env: Record<string, string> = {}) => {
    const node = await startDino('fanout', { ...common, DINO_WORKERS: '1', ...env });
    fanouts.push(node);
    return node;
  };
  /** Tests that stop a node leave one behind; each test starts from two live nodes (new ones started with `env`). */
  const liveFanouts = async (count = 2, env: Record<string, string> = {}) => {
    const missing = count - fanouts.filter(isRunning).length;
    await Promise.all(Array.from({ length: Math.max(0, missing) }, () => startFanout(env)));
    const live = fanouts.filter(isRunning);
    // A node joins the group (XINFO CONSUMERS) only with its first entry: wait for every reader to block in
    // XREADGROUP instead, so the first sends are shared.
    await until('every fan-out node reading the stream', async () => {
      const readers = await ourClients();
      return live.every((p) => readers.some((c) => c.pid === p.child.pid && c.role === 'reader' && c.cmd.startsWith('xreadgroup')));
    }, 10_000);
    return live;
  };

  /** Connections of our child processes (on every node of a cluster). */
  const ourClients = () => streams.clients([server, ...fanouts].filter(Boolean).map((p) => p.child.pid!));
  const pendingTotal = () => streams.pendingTotal();
  const pendingEntries = (consumer?: string) => streams.pendingEntries(consumer);
  const consumerOf = async (node: DinoProcess) => (await ourClients()).find((c) => c.pid === node.child.pid && c.role === 'reader')!.consumer;
  const watchWork = () => streams.watchWork();

  /** POSTs one notification, trying again while the server answers 503 (queue unavailable) as a caller would. */
  const postNotification = async (seq: string) => {
    for (let attempt = 1; ; attempt++) {
      const sent = await api(server.base, 'POST', '/v1/notification/send', {
        event_type: 'notice', notification: [{ user_ids: userIds, data: { seq, sent_at: Date.now() } }],
      }).catch((err: Error) => ({ status: 0, body: err.message }));
      if (sent.status === 201) {
        expect(sent.body.recipients).toBe(USERS);
        return attempt - 1;
      }
      if ((sent.status !== 503 && sent.status !== 0) || attempt >= 50) throw new Error(`POST: ${sent.status} ${JSON.stringify(sent.body)}`);
      await sleep(100);
    }
  };

  /**
   * Sends MESSAGES notifications to all users (`afterPost(i)` runs after the i-th); `during(progress)` is called with
   * the share delivered so far until it returns true. Resolves once every user has every message, with the farm's
   * counts for this run.
   */
  interface RunOptions {
    during?: (progress: number) => Promise<boolean> | boolean;
    afterPost?: (i: number) => Promise<void>;
    timeoutMs?: number;
  }
  const run = async (label: string, { during, afterPost, timeoutMs = 40_000 }: RunOptions = {}) => {
    runNumber++;
    const before = await farm.report(expectedPerUser);
    expectedPerUser += MESSAGES;
    const startedAt = now();
    let refusals = 0;
    for (let i = 1; i <= MESSAGES; i++) {
      refusals += await postNotification(`${runNumber}:${i}`);
      await afterPost?.(i);
    }
    const postedAt = now();
    let hooked = !during;
    let report: FarmReport | undefined;
    let completeAt = 0;
    await until(`${label}: every user to receive all ${MESSAGES} messages`, async () => {
      const progress = (farm.deliveries - before.deliveries) / PER_RUN;
      if (!hooked) hooked = await during!(progress);
      if (progress < 1) return false;
      report = await farm.report(expectedPerUser);
      completeAt = now();
      return hooked && report.missing === 0;
    }, timeoutMs, 20);
    // A late duplicate (a redelivered broadcast) would arrive after the count is reached: give it a moment.
    await sleep(300);
    report = await farm.report(expectedPerUser);
    const duplicates = report.duplicates - before.duplicates;
    console.log(`${label}: ${PER_RUN} deliveries in ${(completeAt - startedAt).toFixed(0)} ms ` +
      `(${Math.round(PER_RUN / ((completeAt - startedAt) / 1000))}/s; POSTs ${(postedAt - startedAt).toFixed(0)} ms, ${refusals} refused), ` +
      `duplicates ${duplicates}, missing ${report.missing}`);
    return { report, duplicates, startedAt, completeAt, refusals };
  };

  const expectNothingPending = async () => {
    await until('the pending list to empty', async () => (await pendingTotal()) === 0, 10_000);
    expect(await pendingTotal()).toBe(0);
  };

  beforeAll(async () => {
    streams = new StreamAdmin(REDIS_URL, STREAM, GROUP, partitions);
    server = await startDino('server', common);
    const farmStarted = SubscriberFarm.start({ url: MQTT_URL, userIds, processes: 4, topicPrefix: PREFIX });
    await Promise.all([startFanout(), startFanout()]);
    farm = await farmStarted;
    await farm.ready(90_000);
  }, 120_000);

  afterAll(async () => {
    const codes = await Promise.all(fanouts.filter(isRunning).map((p) => p.stop()));
    const serverCode = await server?.stop();
    await farm?.stop({ purgeSessions: true });
    // The order test's user kept a persistent session: remove it.
    await new Promise<void>((resolve) => {
      const purge = connect(MQTT_URL, { clientId: String(ORDER_USER), clean: true, reconnectPeriod: 0, connectTimeout: 5000 });
      const end = () => void purge.endAsync(true).catch(() => undefined).then(() => resolve());
      purge.once('connect', end);
      purge.once('error', end);
    });
    await streams?.cleanUp();
    rmSync(dataDir, { recursive: true, force: true });
    expect(codes.every((code) => code === 0)).toBe(true);
    expect(serverCode).toBe(0);
  }, 120_000);

  it('delivers 20 broadcasts to 5 000 users through two nodes, each node doing part of the work, none twice', { timeout: 60_000 }, async () => {
    const nodes = await liveFanouts();
    const cpuBefore = nodes.map((p) => cpuSeconds(p.child.pid!));
    const watch = watchWork();
    const logsFrom = [server, ...nodes].map((p) => p.logs.length);
    const { report, duplicates } = await run('two nodes');
    const held = await watch.stop();
    await expectNothingPending();

    const entriesByNode = nodes.map((p) => [...held].filter(([c]) => pidOfConsumer(c) === p.child.pid).reduce((n, [, ids]) => n + ids.size, 0));
    console.log(`two nodes: entries seen pending per node ${entriesByNode.join(' / ')}, ` +
      `CPU s ${nodes.map((p, i) => (cpuSeconds(p.child.pid!) - cpuBefore[i]!).toFixed(1)).join(' / ')}`);
    expect(report.missing).toBe(0);
    expect(duplicates).toBe(0);
    expect(entriesByNode.every((n) => n > 0)).toBe(true);
    expect(report.reconnects).toBe(0);
    // Nothing went wrong inside dino on the way (pino level 40 = warn and above).
    const troubles = [server, ...nodes].flatMap((p, i) => p.logs.slice(logsFrom[i]).filter((line) => /"level":(4|5|6)\d/.test(line)));
    expect(troubles).toEqual([]);
  });

  it('keeps one group\'s 100 messages in send order for its member, across both nodes', { timeout: 60_000 }, async () => {
    const nodes = await liveFanouts();
    const user = await MqttUser.connect(MQTT_URL, ORDER_USER, PREFIX);
    try {
      const created = await api(server.base, 'POST', `/v1/users/${ORDER_USER}/groups/create`, { group_name: `order ${tag}`, users: [ORDER_USER] });
      expect(created.status).toBe(200);
      const groupId = created.body.group_id as string;
      const watch = watchWork();
      const sent: string[] = [];
      for (let i = 0; i < 100; i++) {
        const reply = await api(server.base, 'POST', `/v1/groups/${groupId}/user/${ORDER_USER}/send`, { message_payload: `m${i}`, message_type: 'text' });
        expect(reply.status).toBe(200);
        sent.push(reply.body.message_id as string);
      }
      const isMessage = (e: any) => e.event_type === 'message' && e.group_id === groupId;
      const received = (await user.waitFor(isMessage, 100, 30_000)).map((e) => e.message_id as string);
      const held = await watch.stop();
      await expectNothingPending();
      const entriesByNode = nodes.map((p) => [...held].filter(([c]) => pidOfConsumer(c) === p.child.pid).reduce((n, [, ids]) => n + ids.size, 0));
      console.log(`order: entries seen pending per node ${entriesByNode.join(' / ')}`);
      expect(entriesByNode.every((n) => n > 0)).toBe(true);
      await sleep(200);
      expect(user.received.filter(isMessage).map((e) => e.message_id)).toEqual(sent);
      expect(received).toEqual(sent);
    } finally {
      await user.close();
    }
  });

  it('loses nothing when the Redis connections of every process are dropped mid-run', { timeout: 60_000 }, async () => {
    await liveFanouts();
    const live = fanouts.filter(isRunning).map((p) => p.child.pid!);
    const killed: string[] = [];
    const dropConnections = async () => {
      // Only our children's own connections (the server's too): never anybody else's.
      for (const client of await ourClients()) {
        if (client.pid !== server.child.pid && !live.includes(client.pid)) continue;
        await client.node.client('KILL', 'ID', client.id);
        killed.push(client.name);
      }
    };
    const logsFrom = fanouts.map((p) => p.logs.length);
    let drops = 0;
    const { report, duplicates } = await run('connections dropped', {
      // Once while the server is queueing, then twice while the nodes are publishing.
      afterPost: async (i) => {
        if (i !== MESSAGES / 2) return;
        await dropConnections();
        drops++;
      },
      during: async (progress) => {
        if (progress >= 0.25 * drops) {
          await dropConnections();
          drops++;
        }
        return drops >= 3;
      },
    });
    await expectNothingPending();
    const warnings = fanouts.flatMap((p, i) => p.logs.slice(logsFrom[i])).filter((line) => /"level":(4|5)\d/.test(line));
    console.log(`connections dropped: ${killed.length} connections killed in ${drops} rounds (${[...new Set(killed)].join(', ')}); ` +
      `${warnings.length} warnings from the nodes, e.g. ${warnings.slice(0, 3).map((line) => JSON.parse(line).msg as string).join('; ')}`);
    // Both nodes' reader and producer at least, each time.
    expect(killed.length).toBeGreaterThanOrEqual(2 * 2 * drops);
    expect(report.missing).toBe(0);
    expect(duplicates).toBeGreaterThanOrEqual(0);
    for (const node of fanouts) expect(isRunning(node)).toBe(true);
  });

  /** Two fresh nodes with the shipped liveness and claim settings (the other tests shorten the claim idle time). */
  const defaultNodes = async () => {
    for (const node of fanouts.filter(isRunning)) expect(await node.stop()).toBe(0);
    return liveFanouts(2, { DINO_CLAIM_IDLE_MS: String(DEFAULTS.claimIdleMs), DINO_NODE_TTL_MS: String(DEFAULTS.nodeTtlMs) });
  };
  /** The node holding the most entries now, so what happens to it leaves work behind. */
  const busiest = async (nodes: DinoProcess[]) => {
    const pending = await pendingEntries();
    const held = nodes.map((p) => pending.filter((e) => pidOfConsumer(e.owner) === p.child.pid).length);
    const index = held[0]! >= held[1]! ? 0 : 1;
    return { node: nodes[index]!, other: nodes[1 - index]!, held: held[index]! };
  };

  it('recovers every message after kill -9 of a node mid-run with default settings, through its lapsed liveness', { timeout: 90_000 }, async () => {
    const nodes = await defaultNodes();
    let killedAt = 0;
    let takenOverAt = 0;
    let victim: { node: DinoProcess; other: DinoProcess; held: number } | undefined;
    const { report, duplicates, completeAt } = await run('kill -9 (default settings)', { timeoutMs: 60_000, during: async (progress) => {
      if (!victim) {
        if (progress < 0.35) return false;
        victim = await busiest(nodes);
        process.kill(victim.node.child.pid!, 'SIGKILL');
        killedAt = now();
      }
      // Taken over: nothing is pending on the dead node any more.
      const left = (await pendingEntries()).filter((e) => pidOfConsumer(e.owner) === victim!.node.child.pid).length;
      if (left === 0 && takenOverAt === 0) takenOverAt = now();
      return takenOverAt > 0;
    } });
    await expectNothingPending();
    const reclaimed = victim!.other.logs.filter((line) => line.includes('reclaimed pending broadcast')).length;
    const resumedChunks = victim!.other.logs.filter((line) => line.includes('resuming broadcast'))
      .reduce((n, line) => n + Number(JSON.parse(line).chunksDone), 0);
    console.log(`kill -9 (${name}, default settings: node TTL ${DEFAULTS.nodeTtlMs} ms, claim idle ${DEFAULTS.claimIdleMs} ms): ` +
      `victim held ${victim!.held} entries; taken over ${(takenOverAt - killedAt).toFixed(0)} ms after the kill, all delivered ` +
      `${(completeAt - killedAt).toFixed(0)} ms after it; ${reclaimed} entries reclaimed by the survivor, ${resumedChunks} ` +
      `chunks of them not published again; duplicates ${duplicates}`);
    expect(await victim!.node.stop()).toBeNull(); // killed by the signal: no exit code
    expect(victim!.held).toBeGreaterThan(0);
    expect(reclaimed).toBeGreaterThan(0);
    expect(report.missing).toBe(0);
    // Through the liveness keys, not the claim idle time: far below it (the figures themselves are reported, not judged).
    expect(takenOverAt - killedAt).toBeLessThan(DEFAULTS.claimIdleMs / 2);
  });

  it('lets a node frozen for 2 s (SIGSTOP, SIGCONT) keep its entries while its liveness holds, and loses nothing', { timeout: 90_000 }, async () => {
    const nodes = await defaultNodes();
    const logsFrom = nodes.map((p) => p.logs.length);
    let frozen: { node: DinoProcess; other: DinoProcess; held: number } | undefined;
    let aliveThroughout = true;
    const { report, duplicates } = await run('SIGSTOP 2 s', { during: async (progress) => {
      if (progress < 0.35) return false;
      frozen = await busiest(nodes);
      const consumer = await consumerOf(frozen.node);
      try {
        await freeze(frozen.node.child.pid!);
        const until = now() + 2000;
        while (now() < until) {
          aliveThroughout &&= await streams.alive(consumer);
          await sleep(100);
        }
      } finally {
        thaw(frozen.node.child.pid!);
      }
      return true;
    } });
    await expectNothingPending();
    const reclaimed = frozen!.other.logs.slice(logsFrom[nodes.indexOf(frozen!.other)]).filter((line) => line.includes('reclaimed pending broadcast')).length;
    console.log(`SIGSTOP 2 s (${name}): node held ${frozen!.held} entries; liveness ${aliveThroughout ? 'held' : 'lapsed'} ` +
      `while frozen; ${reclaimed} entries reclaimed by the other; duplicates ${duplicates}; missing ${report.missing}`);
    expect(frozen!.held).toBeGreaterThan(0);
    expect(report.missing).toBe(0);
    if (aliveThroughout) {
      expect(reclaimed).toBe(0);
      expect(duplicates).toBe(0);
    }
    for (const node of nodes) expect(isRunning(node)).toBe(true);
  });

  it('stops a node gracefully mid-run (SIGTERM): exit 0, nothing of its left pending, every delivery made', { timeout: 60_000 }, async () => {
    // Two nodes that never reclaim: with the short claim idle time a node still draining on a loaded machine had its
    // entries taken over by the other. Now an entry the stopping node left pending stays pending (and undelivered),
    // so `pendingAfter` and `missing` below tell whether the stop really finished its work.
    for (const node of fanouts.filter(isRunning)) expect(await node.stop()).toBe(0);
    const nodes = await liveFanouts(2, { DINO_CLAIM_IDLE_MS: String(NEVER_CLAIM_MS) });
    const names = await Promise.all(nodes.map(consumerOf));
    let stopping: Promise<{ code: number | null; pendingAfter: number; held: number; stopMs: number }> | undefined;
    let survivor: DinoProcess | undefined;
    let survivorLogsFrom = 0;
    const outcome = await run('SIGTERM', { during: async (progress) => {
      if (progress < 0.35) return false;
      const pending = await pendingEntries();
      const held = names.map((name) => pending.filter((e) => e.owner === name).length);
      const index = held[0]! >= held[1]! ? 0 : 1;
      const node = nodes[index]!;
      survivor = nodes[1 - index]!;
      survivorLogsFrom = survivor.logs.length;
      const signalledAt = now();
      stopping = node.stop('SIGTERM').then(async (code) => ({
        code, pendingAfter: (await pendingEntries(names[index])).length, held: held[index]!, stopMs: now() - signalledAt,
      }));
      return true;
    } }).catch((err: Error) => err);
    // An entry the stopping node left behind is never delivered (nobody reclaims it): the stop's outcome says why.
    if (outcome instanceof Error && !stopping) throw outcome;
    const stopped = await stopping!;
    expect(stopped.code).toBe(0);
    expect(stopped.pendingAfter).toBe(0);
    if (outcome instanceof Error) throw outcome;
    const { report, duplicates } = outcome;
    await expectNothingPending();
    const reclaimed = survivor!.logs.slice(survivorLogsFrom).filter((line) => line.includes('reclaimed pending broadcast')).length;
    console.log(`SIGTERM: node held ${stopped.held} entries, exited ${stopped.code} after ${stopped.stopMs.toFixed(0)} ms, ` +
      `${stopped.pendingAfter} left pending on it, ${reclaimed} reclaimed by the survivor, duplicates ${duplicates}`);
    expect(stopped.held).toBeGreaterThan(0);
    expect(reclaimed).toBe(0);
    expect(report.missing).toBe(0);
    expect(duplicates).toBe(0);
  });
});
}
