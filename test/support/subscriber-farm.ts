import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Options of a SubscriberFarm: which broker, which users, over how many processes. */
export interface FarmOptions {
  /** Broker URL the users connect to (`mqtt://…` or `ws://…/mqtt`). */
  url: string;
  userIds: number[];
  /** Child processes sharing the users (round-robin); default 4. */
  processes?: number;
  /** Topic = prefix + user id, as DINO_MQTT_TOPIC_PREFIX. */
  topicPrefix?: string;
  /** MQTT clean session flag; default false (persistent sessions, as the client recipe). */
  clean?: boolean;
  /** Connections opened at once per child; default 200. */
  connectBatch?: number;
  /** Payload field identifying one event, to tell duplicates apart; default `seq`, then `message_id`. */
  keyField?: string;
  /** How often children report their delivery count; default 100 ms. */
  progressIntervalMs?: number;
  /**
   * Payload field holding the time the event was sent, for per-delivery latency; default `sent_at` (epoch ms).
   * `timeUnit: 's'` reads float seconds, as the events' own `created_at`.
   */
  timeField?: string;
  timeUnit?: 'ms' | 's';
}

/** What a farm received, from the users' side. Times are epoch milliseconds (fractional). */
export interface FarmReport {
  users: number;
  deliveries: number;
  /** Deliveries beyond the first of the same key, over all users. */
  duplicates: number;
  usersWithDuplicates: number;
  /** Users with fewer distinct keys than expected, and up to 20 of them. */
  missing: number;
  missingSample: number[];
  firstArrival?: number;
  lastArrival?: number;
  /** The user whose delivery arrived last. */
  lastUserId?: number;
  /** Arrival minus the payload's send time (`timeField`, ms), when payloads carry one. */
  latency?: { samples: number; p50: number; p99: number; max: number };
  /** Client reconnections after the first connect (should be 0). */
  reconnects: number;
}

// IPC between the farm and its children (subscriber-farm-child.ts).
export interface FarmChildInit {
  type: 'init';
  url: string;
  userIds: number[];
  topicPrefix: string;
  clean: boolean;
  connectBatch: number;
  keyField: string;
  progressIntervalMs: number;
  timeField: string;
  timeScale: number;
}
export type ChildRequest = FarmChildInit | { type: 'report'; expectedPerUser: number } | { type: 'reset' } | { type: 'stop'; purgeSessions: boolean };
export type ChildReport = Omit<FarmReport, 'users' | 'latency'> & { latencies: number[] };
export type ChildMessage =
  | { type: 'ready'; connected: number; connectMs: number }
  | { type: 'progress'; deliveries: number }
  | { type: 'report'; report: ChildReport }
  | { type: 'reset' }
  | { type: 'error'; message: string };

const CHILD = fileURLToPath(new URL('./subscriber-farm-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Child {
  process: ChildProcess;
  userCount: number;
  deliveries: number;
  ready: boolean;
  exited: Promise<void>;
}

/**
 * Many MQTT subscribers spread over child processes, so that thousands of users can be connected from a test or a
 * benchmark without one event loop becoming the bottleneck being measured. Each user counts what it received.
 */
export class SubscriberFarm {
  private readonly listeners = new Set<() => void>();
  private failure: Error | undefined;
  private stopping = false;

  private constructor(private readonly children: Child[]) {
    for (const child of children) {
      child.process.on('message', (message: ChildMessage) => this.onMessage(child, message));
      void child.exited.then(() => {
        if (!this.stopping) this.fail(new Error(`subscriber farm child ${child.process.pid} exited early`));
      });
    }
  }

  /** Forks the children and hands each its share of users; `ready()` tells when they are all subscribed. */
  static async start(options: FarmOptions): Promise<SubscriberFarm> {
    const n = Math.max(1, Math.min(options.processes ?? 4, options.userIds.length));
    const slices: number[][] = Array.from({ length: n }, () => []);
    options.userIds.forEach((id, i) => slices[i % n]!.push(id));
    const children = slices.map((userIds) => {
      const child = fork(CHILD, [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const init: FarmChildInit = {
        type: 'init', url: options.url, userIds, topicPrefix: options.topicPrefix ?? '', clean: options.clean ?? false,
        connectBatch: options.connectBatch ?? 200, keyField: options.keyField ?? 'seq', progressIntervalMs: options.progressIntervalMs ?? 100,
        timeField: options.timeField ?? 'sent_at', timeScale: options.timeUnit === 's' ? 1000 : 1,
      };
      child.send(init);
      return { process: child, userCount: userIds.length, deliveries: 0, ready: false, exited };
    });
    return new SubscriberFarm(children);
  }

  get pids(): number[] {
    return this.children.map((c) => c.process.pid!);
  }

  /** Deliveries counted so far (as of the children's last progress report). */
  get deliveries(): number {
    return this.children.reduce((sum, c) => sum + c.deliveries, 0);
  }

  /** Resolves once every user is connected and subscribed. */
  ready(timeoutMs = 120_000): Promise<void> {
    return this.until(() => this.children.every((c) => c.ready), timeoutMs, () => {
      const ready = this.children.filter((c) => c.ready).length;
      return `subscriber farm: ${ready}/${this.children.length} children ready after ${timeoutMs} ms`;
    });
  }

  /** Resolves with the count once at least `expectedTotal` deliveries arrived over all users; rejects on timeout. */
  async waitForDeliveries(expectedTotal: number, timeoutMs = 60_000): Promise<number> {
    await this.until(() => this.deliveries >= expectedTotal, timeoutMs,
      () => `subscriber farm: ${this.deliveries}/${expectedTotal} deliveries after ${timeoutMs} ms`);
    return this.deliveries;
  }

  /** Collects every child's counts: duplicates, users with fewer than `expectedPerUser` events, arrival times. */
  async report(expectedPerUser = 1): Promise<FarmReport> {
    const answers = await this.ask({ type: 'report', expectedPerUser }, 'report');
    const parts = answers.map((answer) => (answer as Extract<ChildMessage, { type: 'report' }>).report);
    return combine(parts, this.children.reduce((sum, c) => sum + c.userCount, 0));
  }

  /** Forgets everything received so far (counts, keys, latencies), so one farm can serve several measured rounds. */
  async reset(): Promise<void> {
    await this.ask({ type: 'reset' }, 'reset');
    for (const child of this.children) child.deliveries = 0;
  }

  /**
   * Disconnects every user and ends the children (killed by pid if they hang). `purgeSessions` then removes the
   * persistent sessions from the broker: use it against a shared external broker.
   */
  async stop(options: { purgeSessions?: boolean; timeoutMs?: number } = {}): Promise<void> {
    this.stopping = true;
    await Promise.all(this.children.map(async (child) => {
      if (child.process.exitCode !== null || child.process.signalCode !== null) return;
      child.process.send({ type: 'stop', purgeSessions: options.purgeSessions ?? false } satisfies ChildRequest, () => {});
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), options.timeoutMs ?? 30_000)));
      if ((await Promise.race([child.exited, hung])) === 'hung') {
        child.process.kill('SIGKILL');
        await child.exited;
      }
      clearTimeout(timer);
    }));
  }

  /** Sends `request` to every child and resolves with each one's first answer of type `answer`. */
  private ask(request: ChildRequest, answer: ChildMessage['type']): Promise<ChildMessage[]> {
    return Promise.all(this.children.map((child) => new Promise<ChildMessage>((resolve, reject) => {
      const onMessage = (message: ChildMessage) => {
        if (message.type !== answer) return;
        child.process.off('message', onMessage);
        resolve(message);
      };
      if (!child.process.connected) return reject(new Error(`subscriber farm child ${child.process.pid} is gone`));
      child.process.on('message', onMessage);
      child.process.send(request);
    })));
  }

  private onMessage(child: Child, message: ChildMessage): void {
    if (message.type === 'ready') child.ready = true;
    else if (message.type === 'progress') child.deliveries = message.deliveries;
    else if (message.type === 'error') this.fail(new Error(`subscriber farm child ${child.process.pid}: ${message.message}`));
    for (const wake of this.listeners) wake();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const wake of this.listeners) wake();
  }

  /** Waits until `done()` holds, re-checking on every child message; rejects on timeout or a child's failure. */
  private until(done: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        if (error) reject(error);
        else resolve();
      };
      const check = () => {
        if (done()) finish();
        else if (this.failure) finish(this.failure);
      };
      const timer = setTimeout(() => finish(new Error(describe())), timeoutMs);
      this.listeners.add(check);
      check();
    });
  }
}

function combine(parts: ChildReport[], users: number): FarmReport {
  const sum = (pick: (r: ChildReport) => number) => parts.reduce((total, r) => total + pick(r), 0);
  const defined = (values: Array<number | undefined>) => values.filter((v): v is number => v !== undefined);
  const firsts = defined(parts.map((r) => r.firstArrival));
  const last = parts.reduce<ChildReport | undefined>(
    (best, r) => (r.lastArrival !== undefined && (best?.lastArrival === undefined || r.lastArrival > best.lastArrival) ? r : best), undefined);
  const latencies = parts.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return {
    users,
    deliveries: sum((r) => r.deliveries),
    duplicates: sum((r) => r.duplicates),
    usersWithDuplicates: sum((r) => r.usersWithDuplicates),
    missing: sum((r) => r.missing),
    missingSample: parts.flatMap((r) => r.missingSample).slice(0, 20),
    firstArrival: firsts.length > 0 ? Math.min(...firsts) : undefined,
    lastArrival: last?.lastArrival,
    lastUserId: last?.lastUserId,
    latency: latencies.length > 0 ? { samples: latencies.length, p50: at(0.5), p99: at(0.99), max: latencies.at(-1)! } : undefined,
    reconnects: sum((r) => r.reconnects),
  };
}
