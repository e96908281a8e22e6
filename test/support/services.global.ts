/**
 * Vitest global setup: starts this run's own Redis, Mosquitto and Cassandra on free loopback ports (in parallel, since
 * Cassandra takes seconds), hands their addresses to the tests and stops them by pid at the end. Tests read the
 * addresses through ./services.ts. A service that cannot be started is reported here and by every suite needing it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startCassandra } from './cassandra-node.js';
import { MOSQUITTO, REDIS_SERVER, redisUrlOf, startMosquitto, startRedis, type LocalServer } from './local-server.js';
import { portOpen } from './net.js';

export type ServiceName = 'Redis' | 'Redis Cluster' | 'Mosquitto' | 'Cassandra';

/** What the global setup provides to the tests as `inject('services')`. */
export interface ServiceAddresses {
  redis?: string;
  /** redis+cluster://… of this run's own 3-master Redis Cluster (scripts/redis-cluster.sh). */
  redisCluster?: string;
  mosquitto?: string;
  /** host:port of a CQL endpoint. */
  cassandra?: string;
  /** Pid of the Cassandra node this run started; absent for a node given with DINO_TEST_CASSANDRA. */
  cassandraPid?: number;
  /** Why a service is absent. */
  problems: Partial<Record<ServiceName, string>>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    services: ServiceAddresses;
  }
}

interface Running {
  address: string;
  pid?: number;
  /** How it came to be, when not started by this run. */
  note?: string;
  stop(): Promise<void>;
}

const CASSANDRA_SCRIPT = fileURLToPath(new URL('../../scripts/cassandra/cassandra.sh', import.meta.url));
const REDIS_CLUSTER_SCRIPT = fileURLToPath(new URL('../../scripts/redis-cluster.sh', import.meta.url));

/** The script CI shares: three masters on free loopback ports, stopped by their pids. */
async function redisCluster(dir: string): Promise<Running> {
  if (!REDIS_SERVER) throw new Error('redis-server is not installed');
  const run = (...args: string[]) => new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [REDIS_CLUSTER_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    child.once('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`redis-cluster.sh ${args[0]} failed: ${err.trim()}`))));
  });
  const address = await run('start', dir);
  return { address, stop: async () => void (await run('stop', dir)) };
}

/** A server binary of our own; without the binary, the machine's shared service if it answers. */
async function ownOrShared(binary: string | undefined, start: (binary: string) => Promise<LocalServer>,
  address: (server: LocalServer) => string, shared: { port: number; address: string }): Promise<Running> {
  if (binary) {
    const server = await start(binary);
    return { address: address(server), pid: server.pid, stop: () => server.stop() };
  }
  if (!(await portOpen('127.0.0.1', shared.port))) throw new Error('its binary is not installed and nothing answers on the shared port');
  return { address: shared.address, note: 'binary not installed: using the machine\'s shared one', stop: async () => {} };
}

async function cassandra(runDir: string): Promise<Running> {
  const given = process.env.DINO_TEST_CASSANDRA;
  if (given === 'off') throw new Error('DINO_TEST_CASSANDRA=off');
  if (given) {
    const [host, port] = given.split(':');
    if (!host || !(await portOpen(host, Number(port ?? 9042), 3000))) throw new Error(`DINO_TEST_CASSANDRA=${given} does not answer`);
    return { address: port ? given : `${host}:9042`, note: 'given by DINO_TEST_CASSANDRA', stop: async () => {} };
  }
  const node = await startCassandra(runDir);
  return { address: node.contactPoint, pid: node.pid, stop: node.stop };
}

/**
 * Should vitest die without tearing down (SIGKILL, a crash), a detached shell ends what this run started: the pids in
 * <root>/<server>/*.pid that are still ours (their working directory is under <root>: redis-server rewrites its
 * command line) and the Cassandra node through its script. It leaves quietly once the teardown has removed <root>.
 */
function startWatchdog(root: string): void {
  const watch = `
    while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done
    [ -d "$2" ] || exit 0
    for f in "$2"/*/*.pid; do
      pid="$(cat "$f" 2>/dev/null)"
      case "$(readlink "/proc/$pid/cwd" 2>/dev/null)" in "$2"/*) kill -TERM "$pid" ;; esac
    done
    [ -d "$2/cassandra" ] && CASSANDRA_RUN_DIR="$2/cassandra" bash "$3" stop
    rm -rf "$2"`;
  spawn('bash', ['-c', watch, 'dino-test-watchdog', String(process.pid), root, CASSANDRA_SCRIPT], { detached: true, stdio: 'ignore' }).unref();
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = mkdtempSync(join(tmpdir(), 'dino-test-services-'));
  startWatchdog(root);
  const problems: ServiceAddresses['problems'] = {};
  const began = performance.now();
  const timed = async (name: ServiceName, start: () => Promise<Running>): Promise<Running | undefined> => {
    const t0 = performance.now();
    try {
      const running = await start();
      console.log(`[test services] ${name} on ${running.address} (${running.note ?? `started in ${Math.round(performance.now() - t0)} ms`})`);
      return running;
    } catch (err) {
      problems[name] = err instanceof Error ? err.message : String(err);
      console.warn(`\n!!! [test services] ${name} could not be started: ${problems[name]}\n!!! Suites needing it will ` +
        `${process.env.CI === 'true' ? 'FAIL (CI=true)' : 'be SKIPPED'}.\n`);
      return undefined;
    }
  };
  const started = await Promise.all([
    timed('Redis', () => ownOrShared(REDIS_SERVER, (binary) => startRedis(binary, join(root, 'redis')), redisUrlOf,
      { port: 6379, address: 'redis://127.0.0.1:6379' })),
    timed('Mosquitto', () => ownOrShared(MOSQUITTO, (binary) => startMosquitto(binary, join(root, 'mosquitto')),
      (server) => `mqtt://127.0.0.1:${server.port}`, { port: 1883, address: 'mqtt://127.0.0.1:1883' })),
    timed('Cassandra', () => cassandra(join(root, 'cassandra'))),
    timed('Redis Cluster', () => redisCluster(join(root, 'redis-cluster'))),
  ]);
  const [redis, mosquitto, cassandraNode, cluster] = started;
  console.log(`[test services] ready in ${Math.round(performance.now() - began)} ms`);
  project.provide('services', {
    redis: redis?.address, redisCluster: cluster?.address, mosquitto: mosquitto?.address, cassandra: cassandraNode?.address, cassandraPid: cassandraNode?.pid, problems,
  });

  return async () => {
    await Promise.all(started.map((service) => service?.stop().catch((err: unknown) => console.warn(`[test services] stop: ${String(err)}`))));
    rmSync(root, { recursive: true, force: true });
  };
}
