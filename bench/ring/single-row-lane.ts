/**
 * Beside Dino's sends (one logged batch each), single-row inserts at LOCAL_QUORUM from the raw driver into the same
 * ring: whether a write that needs no batchlog goes on through a node's loss without the stall the batch shows.
 */
import cassandra from 'cassandra-driver';
import type { SendRecord } from './send-load.js';

export class SingleRowLane {
  readonly records: SendRecord[] = [];
  private running = true;
  private lanes: Promise<void>[] = [];

  private constructor(private readonly client: cassandra.Client, private readonly insert: string, private readonly now: () => number) {}

  static async start(contactPoints: string[], port: number, keyspace: string, lanes: number, now: () => number): Promise<SingleRowLane> {
    const client = new cassandra.Client({ contactPoints, localDataCenter: 'datacenter1', keyspace, protocolOptions: { port },
      queryOptions: { consistency: cassandra.types.consistencies.localQuorum, prepare: true, isIdempotent: true },
      socketOptions: { readTimeout: 12_000 } });
    await client.connect();
    await client.execute('CREATE TABLE IF NOT EXISTS ring_single_rows (id timeuuid PRIMARY KEY, v text)');
    const lane = new SingleRowLane(client, 'INSERT INTO ring_single_rows (id, v) VALUES (?, ?)', now);
    lane.lanes = Array.from({ length: lanes }, () => lane.loop());
    return lane;
  }

  private async loop(): Promise<void> {
    let seq = 0;
    while (this.running) {
      const at = this.now();
      const record: SendRecord = { seq: ++seq, at, ms: 0, status: 200 };
      try {
        await this.client.execute(this.insert, [cassandra.types.TimeUuid.now(), 'ring']);
      } catch {
        record.status = 0;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      record.ms = this.now() - at;
      this.records.push(record);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.lanes);
    await this.client.shutdown();
  }
}
