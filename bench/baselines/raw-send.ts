/**
 * What a send must do at least, done raw: the prepared INSERT of the message row (RawCassandraInserts) and then one
 * XADD of the message's event, msgpack-encoded as Dino's stream entries are, with a plain ioredis client. Same
 * concurrency as the HTTP load it is compared with; the stream is capped so the run leaves nothing behind.
 */
import { Redis } from 'ioredis';
import { pack } from 'msgpackr';
import type { LoadRun } from '../load/http-load.js';
import type { RawCassandraInserts } from './raw-cassandra.js';

export class RawSends {
  private constructor(private readonly inserts: RawCassandraInserts, private readonly redis: Redis, private readonly stream: string) {}

  static async open(inserts: RawCassandraInserts, redisUrl: string, stream: string): Promise<RawSends> {
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    return new RawSends(inserts, redis, stream);
  }

  run(concurrency: number, seconds: number, label: string): Promise<LoadRun> {
    const event = (id: string, payload: string) => JSON.stringify({ event_type: 'message', group_id: '9a4e1c2e-0000-4000-8000-000000000001',
      sender_id: 1_000_000_000_001, message_id: id, message_payload: payload, message_type: 'text', created_at: Date.now() / 1000 });
    return this.inserts.run(concurrency, seconds, label, (id, payload) =>
      this.redis.xadd(this.stream, 'MAXLEN', '~', '100000', '*', 'm', pack({ payload: event(id, payload), userIds: [1, 2, 3], eventType: 'message' })));
  }

  async close(): Promise<void> {
    await this.redis.del(this.stream);
    this.redis.disconnect();
  }
}
