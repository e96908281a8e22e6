import { chunksByKey, TurnBatch } from '../core/turn-batch.js';
import { timeUuidMicros } from '../core/ids.js';
import type { Message } from '../core/model.js';
import { messageBucket } from './cassandra-schema.js';

export interface Statement {
  query: string;
  params: unknown[];
}

/**
 * A turn's chunk stays under Cassandra's default batch_size_warn_threshold (5 KiB of mutations): a busy group's
 * messages of one turn go as one or a few batches, and a large message alone as a plain insert.
 */
const CHUNK = { maxItems: 64, maxBytes: 4096 };
/** What a row costs in a batch beyond its payload and type (ids, times, column names): an estimate. */
const ROW_BYTES = 64;

/**
 * The send path's one write, the message row, batched per turn of the event loop: the messages concurrent requests
 * store into one partition (group and bucket) in the same turn go to Cassandra as one unlogged batch, which a
 * single-partition batch makes one atomic mutation, instead of one request each. Rows of different partitions are
 * never batched together (that would make the coordinator split the batch): each chunk is its own request. A failed
 * request fails every send in it; each was idempotent, so its retry writes the same row.
 */
export class CassandraMessageWrites {
  private readonly turn = new TurnBatch<Message, void>((messages) => this.write(messages));

  constructor(private readonly insert: string, private readonly execute: (statements: Statement[]) => Promise<void>) {}

  save(message: Message): Promise<void> {
    return this.turn.add(message);
  }

  private write(messages: Message[]): Array<Promise<void>> {
    const rows = messages.map((m) => ({ m, bucket: messageBucket(timeUuidMicros(m.messageId)) }));
    const written = new Map<Message, Promise<void>>();
    const partition = ({ m, bucket }: (typeof rows)[number]) => `${m.groupId}/${bucket}`;
    const size = ({ m }: (typeof rows)[number]) => ROW_BYTES + m.payload.length + m.messageType.length;
    for (const chunk of chunksByKey(rows, partition, size, CHUNK)) {
      const done = this.execute(chunk.map(({ m, bucket }) => ({ query: this.insert,
        params: [m.groupId, bucket, m.messageId, m.senderId, m.messageType, m.payload] })));
      for (const { m } of chunk) written.set(m, done);
    }
    return messages.map((m) => written.get(m)!);
  }
}
