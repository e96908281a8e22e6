/** Throw-away production backends for one bench run: a Cassandra keyspace and Redis stream keys of our own. */
import cassandra from 'cassandra-driver';
import { Redis } from 'ioredis';
import { migrate } from './dino.js';
import { randomTag } from './ids.js';

export const CASSANDRA_CONTACT_POINT = '127.0.0.1:9042';
export const REDIS_URL = 'redis://127.0.0.1:6379';

export interface BenchBackends {
  keyspace: string;
  /** DINO_* variables selecting the keyspace (consistency ONE: one node) and the stream. */
  env: Record<string, string>;
  /** Drops the keyspace and deletes the stream's keys. */
  drop(): Promise<void>;
  /** Empties the stream nobody consumes during an ingest run, so its backlog does not refuse the next run (503). */
  emptyStream(): Promise<void>;
}

/** Creates `dino_bench_<random>` with `dino migrate`, and names a stream `dino:bench:<random>`. */
export async function createBenchBackends(): Promise<BenchBackends> {
  const tag = randomTag();
  const keyspace = `dino_bench_${tag}`;
  const stream = `dino:bench:${tag}`;
  const env = {
    DINO_CASSANDRA_CONTACT_POINTS: CASSANDRA_CONTACT_POINT, DINO_CASSANDRA_KEYSPACE: keyspace, DINO_CASSANDRA_CONSISTENCY: 'ONE',
    DINO_REDIS_URL: REDIS_URL, DINO_STREAM: stream, DINO_STREAM_GROUP: `${stream}:group`,
    // Nothing consumes the stream during an ingest run: it is emptied after each run (emptyStream); the cap is
    // high enough that no run is refused for its backlog.
    DINO_STREAM_MAXLEN: '5000000',
  };
  await migrate(env);
  return {
    keyspace, env,
    async emptyStream() {
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      try {
        await redis.xtrim(stream, 'MAXLEN', 0);
      } finally {
        redis.disconnect();
      }
    },
    async drop() {
      const client = new cassandra.Client({ contactPoints: [CASSANDRA_CONTACT_POINT], localDataCenter: 'datacenter1',
        socketOptions: { readTimeout: 60_000 } });
      const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
        await redis.connect();
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${stream}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        await client.shutdown().catch(() => undefined);
        redis.disconnect();
      }
    },
  };
}
