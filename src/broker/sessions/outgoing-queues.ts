import { createRequire } from 'node:module';
import { QueueDrops } from './queue-drops.js';
import { decodeQueued, encode, type SessionStatements } from './session-file.js';
import type { SessionPacket } from './types.js';
import { NothingToDo, type WriteBatch } from './write-batch.js';

const require = createRequire(import.meta.url);
const Packet = require('aedes-packet') as new (fields: SessionPacket) => SessionPacket;
const toPacket = (fields: SessionPacket): SessionPacket => new Packet(fields);

/**
 * The QoS 1/2 packets queued per session, kept in SQLite only (memory does not grow with offline queues). Each
 * session holds `maxQueued` at most: when full, its oldest packet not yet sent is dropped to make room, because for
 * notifications the newest matter most; when every queued packet is already sent and awaiting PUBACK, the new one is
 * dropped instead. Either is counted in a log line.
 */
export class OutgoingQueues {
  readonly drops: QueueDrops;
  private readonly lengths = new Map<string, number>();
  private nextSeq: number;

  constructor(private readonly q: SessionStatements, private readonly batch: WriteBatch, private readonly maxQueued: number) {
    this.drops = new QueueDrops(maxQueued);
    for (const { client_id, n } of q.queueLengths.all()) this.lengths.set(client_id, n);
    this.nextSeq = (q.lastSeq.get()?.seq ?? 0) + 1;
  }

  /** Queues one copy of `packet` for each client, in one commit with whatever else this turn brought. */
  async enqueue(clientIds: string[], packet: SessionPacket): Promise<void> {
    if (clientIds.length === 0) return;
    const stored = new Packet(packet);
    const blob = encode({ ...stored });
    const brokerId = stored.brokerId ?? null;
    const counter = stored.brokerCounter ?? null;
    await this.batch.run(() => {
      for (const clientId of clientIds) this.append(clientId, brokerId, counter, blob);
    });
  }

  /**
   * A PUBLISH on its way under a message id (found by the broker id and counter it was queued with), or a PUBREL
   * taking the place of the PUBLISH it acknowledges (found by message id).
   */
  async update(clientId: string, packet: SessionPacket): Promise<void> {
    const messageId = packet.messageId ?? null;
    if (packet.cmd !== 'pubrel') {
      const brokerId = packet.brokerId ?? null;
      const counter = packet.brokerCounter ?? null;
      await this.batch.run(() => {
        const row = this.q.findByBroker.get(clientId, brokerId, counter);
        if (!row) throw new NothingToDo('no such packet');
        this.q.setMessageId.run(messageId, row.seq);
      });
      return;
    }
    const blob = encode({ ...packet });
    await this.batch.run(() => {
      const row = this.q.findByMessageId.get(clientId, messageId);
      if (!row) throw new NothingToDo('no such packet');
      this.q.replaceQueued.run(null, null, messageId, blob, row.seq);
    });
  }

  /** Removes the first packet queued under this message id (a PUBACK/PUBCOMP came) and hands it back. */
  clear(clientId: string, messageId: number | undefined): Promise<SessionPacket | undefined> {
    return this.batch.run(() => {
      const row = this.q.findByMessageId.get(clientId, messageId ?? null);
      if (!row) return undefined;
      this.q.dequeue.run(row.seq);
      this.shorten(clientId);
      return decodeQueued(row, toPacket);
    });
  }

  /** A snapshot of the queue, oldest first. */
  async list(clientId: string): Promise<SessionPacket[]> {
    const rows = await this.batch.run(() => this.q.queued.all(clientId));
    return rows.map((row) => decodeQueued(row, toPacket));
  }

  /** Drops a whole queue; runs inside a commit. */
  forget(clientId: string): void {
    this.q.deleteQueue.run(clientId);
    this.lengths.delete(clientId);
  }

  private append(clientId: string, brokerId: string | null, counter: number | null, blob: Buffer): void {
    const length = this.lengths.get(clientId) ?? 0;
    if (length >= this.maxQueued) {
      const oldest = this.q.oldestUnsent.get(clientId);
      if (!oldest) {
        this.drops.count(clientId, 'newest');
        return;
      }
      this.q.dequeue.run(oldest.seq);
      this.drops.count(clientId, 'oldest');
    } else {
      this.lengths.set(clientId, length + 1);
    }
    this.q.enqueue.run(this.nextSeq++, clientId, brokerId, counter, blob);
  }

  private shorten(clientId: string): void {
    const length = (this.lengths.get(clientId) ?? 1) - 1;
    if (length > 0) this.lengths.set(clientId, length);
    else this.lengths.delete(clientId);
  }
}
