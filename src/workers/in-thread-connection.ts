import type { Aedes } from 'aedes';
import type { PublishConnection } from './publish-connection.js';

/**
 * A publisher connection that is no connection: the embedded broker's own thread hands each PUBLISH straight to aedes,
 * as aedes does with a client's PUBLISH once it is parsed and allowed. `done` comes when aedes has queued the message
 * for the topic's offline sessions and written it to the online ones, which is when it would have sent the PUBACK.
 * No framing, parsing, socket or PUBACK; no login either, since nothing outside the thread can use it.
 *
 * Order: aedes handles concurrent calls as it handles the PUBLISHes of one read from a client's socket (concurrently,
 * step by step), and both session stores answer their calls in the order made, so one topic's messages keep the
 * order of the calls: the property the wire connection's batched frames rely on as well.
 */
export class InThreadConnection implements PublishConnection {
  private closed = false;

  constructor(private readonly broker: Pick<Aedes, 'publish' | 'closed'>) {}

  get connected(): boolean {
    return !this.closed && !this.broker.closed;
  }

  publish(topic: string, payload: Buffer, done: (err?: Error) => void): void {
    if (!this.connected) return void process.nextTick(done, new Error('connection closed'));
    this.broker.publish({ cmd: 'publish', topic, payload, qos: 1, retain: false, dup: false }, (err) => done(err ?? undefined));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
