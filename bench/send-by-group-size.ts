/**
 * Does a send cost more in a bigger group? (issue 13, item 5: nothing on the send path may write once per member.)
 * Times `POST …/send` into a group of 3 and a group of 10 000, alternating, one send at a time, each after the
 * previous one's fan-out has finished (Dino's CPU idle), so the figure is the request itself: storage writes plus
 * queueing the broadcast with its recipient list (which grows with the group: that is the fan-out's own input).
 * `dino start`: SQLite or Cassandra, in-process queue, embedded broker with nobody subscribed.
 *
 *   npm run build && node --import tsx bench/send-by-group-size.ts [--storage sqlite|cassandra] [--sends 30]
 */
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';
import { api } from '../test/support/dino-process.js';
import { percentile } from './stats.js';
import { CASSANDRA_CONTACT_POINT } from './support/backends.js';
import { launchDino, migrate } from './support/dino.js';
import { randomTag, uniqueUserIds } from './support/ids.js';
import { waitUntilIdle } from './support/proc.js';

const { values } = parseArgs({ options: { storage: { type: 'string', default: 'sqlite' }, sends: { type: 'string', default: '30' } } });
const sends = Number(values.sends);
const env: Record<string, string> = values.storage === 'cassandra' ? { DINO_CASSANDRA_CONTACT_POINTS: CASSANDRA_CONTACT_POINT,
  DINO_CASSANDRA_KEYSPACE: `dino_bench_${randomTag()}`, DINO_CASSANDRA_CONSISTENCY: 'ONE' } : {};
if (env.DINO_CASSANDRA_KEYSPACE) await migrate(env);
const dino = await launchDino('start', env);
try {
  const sizes = [3, 10_000];
  const groups = new Map<number, { groupId: string; sender: number; ms: number[] }>();
  for (const size of sizes) {
    const [sender, ...others] = uniqueUserIds(size);
    const created = await api(dino.base, 'POST', `/v1/users/${sender}/groups/create`, { group_name: `${size}`, users: others });
    if (created.status !== 200) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
    groups.set(size, { groupId: created.body.group_id, sender: sender!, ms: [] });
  }
  await waitUntilIdle(dino.pid);
  for (let i = 0; i < sends; i++) {
    for (const size of i % 2 ? [...sizes].reverse() : sizes) {
      const g = groups.get(size)!;
      const started = performance.now();
      const sent = await api(dino.base, 'POST', `/v1/groups/${g.groupId}/user/${g.sender}/send`, { message_payload: 'm', message_type: 'text' });
      g.ms.push(performance.now() - started);
      if (sent.status !== 200) throw new Error(`send: ${sent.status} ${JSON.stringify(sent.body)}`);
      await waitUntilIdle(dino.pid, { windowMs: 200 });
    }
  }
  for (const [size, g] of groups) {
    console.log(`${values.storage} group of ${size}: send p50 ${percentile(g.ms, 0.5).toFixed(1)} ms, p90 ${percentile(g.ms, 0.9).toFixed(1)} ms, `
      + `max ${Math.max(...g.ms).toFixed(1)} ms (${g.ms.length} sends)`);
  }
} finally {
  await dino.close();
  if (env.DINO_CASSANDRA_KEYSPACE) {
    const client = new cassandra.Client({ contactPoints: [CASSANDRA_CONTACT_POINT], localDataCenter: 'datacenter1' });
    await client.execute(`DROP KEYSPACE IF EXISTS ${env.DINO_CASSANDRA_KEYSPACE}`).finally(() => client.shutdown());
  }
}
