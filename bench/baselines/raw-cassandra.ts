/**
 * The storage ceiling: cassandra-driver inserting into a table shaped like Dino's `messages` (same partition key,
 * clustering and columns), one prepared INSERT per message, `concurrency` requests in flight — the concurrency of
 * the HTTP load it is compared with. Same driver settings as Dino's adapter: two connections, consistency ONE.
 * With `then`, each lane also does that after each insert (the send baseline adds the XADD of the message's event).
 */
import cassandra from 'cassandra-driver';
import { messageBucket } from '../../src/storage/cassandra-schema.js';
import type { LoadRun } from '../load/http-load.js';
import { every, progress } from '../progress.js';
import { quantileSorted } from '../stats.js';

const { TimeUuid } = cassandra.types;

export class RawCassandraInserts {
  private constructor(private readonly client: cassandra.Client, private readonly insert: string) {}

  static async open(contactPoint: string, keyspace: string): Promise<RawCassandraInserts> {
    const client = new cassandra.Client({
      contactPoints: [contactPoint], localDataCenter: 'datacenter1', keyspace,
      queryOptions: { consistency: cassandra.types.consistencies.one, prepare: true },
      pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 2 } },
    });
    await client.connect();
    await client.execute(`CREATE TABLE IF NOT EXISTS raw_messages (
      group_id uuid, bucket int, message_id timeuuid, sender_id bigint, message_type text, payload text,
      PRIMARY KEY ((group_id, bucket), message_id)) WITH CLUSTERING ORDER BY (message_id DESC)`);
    const insert = 'INSERT INTO raw_messages (group_id, bucket, message_id, sender_id, message_type, payload) VALUES (?, ?, ?, ?, ?, ?)';
    return new RawCassandraInserts(client, insert);
  }

  /** Inserts for `seconds` (or until `amount` were started) with `concurrency` requests in flight; latency per insert. */
  async run(concurrency: number, seconds: number, label: string, then?: (id: string, payload: string) => Promise<unknown>,
    amount = Infinity): Promise<LoadRun> {
    const groupId = cassandra.types.Uuid.random();
    const latencies: number[] = [];
    let errors = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    const stop = every(1000, () => progress(`${label}: ${Math.round((performance.now() - started) / 1000)}/${seconds} s, ${latencies.length} inserts`));
    let begun = 0;
    const lane = async () => {
      while (performance.now() < deadline && begun++ < amount) {
        const id = TimeUuid.now();
        const t = performance.now();
        try {
          await this.client.execute(this.insert, [groupId, messageBucket(id.getDate().getTime() * 1000), id, 1_000_000_000_001, 'text',
            'bench message'], { prepare: true });
          await then?.(id.toString(), 'bench message');
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    stop();
    const elapsed = (performance.now() - started) / 1000;
    const sorted = Float64Array.from(latencies).sort();
    return { rps: latencies.length / elapsed, succeeded: latencies.length, p50Ms: quantileSorted(sorted, 0.5), p99Ms: quantileSorted(sorted, 0.99), errors, non2xx: 0 };
  }

  async close(): Promise<void> {
    await this.client.shutdown();
  }
}
