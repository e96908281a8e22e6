/**
 * Where the services of this test run are: started by the global setup (./services.global.ts), passed with vitest's
 * provide/inject. Each accessor returns undefined when its service is absent: on a developer's machine the suite is
 * then skipped with a loud message; under CI=true absence is a failure, never a skip.
 */
import { inject } from 'vitest';
import type { ServiceAddresses, ServiceName } from './services.global.js';

const services = (): ServiceAddresses =>
  inject('services') ?? { problems: { Redis: 'no global setup ran', 'Redis Cluster': 'no global setup ran', Mosquitto: 'no global setup ran', Cassandra: 'no global setup ran' } };

const warned = new Set<string>();

/** `what` tests cannot run, because `why`: a failure under CI=true, else a loud skip (said once per file). */
export function absent(what: string, why: string): undefined {
  if (process.env.CI === 'true') throw new Error(`${what} tests cannot run: ${why}; CI=true requires them to`);
  if (!warned.has(why)) {
    warned.add(why);
    console.warn(`\n!!! SKIPPING ${what} tests: ${why}. See README, Tests.\n`);
  }
  return undefined;
}

/** The first line of why the global setup has no `name` (it printed the whole story at the start of the run). */
const problem = (name: ServiceName) => (services().problems[name] ?? 'not started').split('\n')[0]!.replace(/:$/, '');

const address = (name: ServiceName, value: string | undefined) =>
  value ?? absent(name, `${name} is not available to this test run (${problem(name)})`);

/** redis://127.0.0.1:<port> of this run's own redis-server. */
export const redisUrl = () => address('Redis', services().redis);
/** redis+cluster://127.0.0.1:<port>,… of this run's own 3-master Redis Cluster. */
export const redisClusterUrl = () => address('Redis Cluster', services().redisCluster);
/** mqtt://127.0.0.1:<port> of this run's own Mosquitto. */
export const mosquittoUrl = () => address('Mosquitto', services().mosquitto);
/** host:port of this run's Cassandra node (or the one given with DINO_TEST_CASSANDRA). */
export const cassandraContactPoint = () => address('Cassandra', services().cassandra);

/** Pid of the Cassandra node, for tests that freeze it: only a node this run started itself has one. */
export function cassandraPid(): number | undefined {
  const contactPoint = cassandraContactPoint();
  if (!contactPoint) return undefined;
  return services().cassandraPid ??
    absent('Cassandra outage', `the node at ${contactPoint} was not started by this run (DINO_TEST_CASSANDRA), so it cannot be frozen`);
}
