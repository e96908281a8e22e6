import type { Aedes } from 'aedes';
import { Tally } from '../broker/tally.js';
import type { PublishConnection } from './publish-connection.js';

/**
 * A publisher connection that is no connection: the embedded broker's own thread hands each PUBLISH straight to aedes,
 * as aedes does with a client's PUBLISH once it is parsed and allowed. `done` comes once aedes has stored the message
 * for the topic's persistent sessions and written it to the online apps (an app that stops reading is dropped within
 * half the acknowledgement timeout: see slowAppPolicy in broker/embedded.ts). No framing, parsing, socket or PUBACK;
 * no login either, since nothing outside the thread can use it.
 *
 * Order: aedes handles concurrent calls as it handles the PUBLISHes of one read from a client's socket (concurrently,
 * step by step), and both session stores answer their calls in the order made, so one topic's messages keep the
 * order of the calls: the property the wire connection's batched frames rely on as well.
 */
export class InThreadConnection implements PublishConnection {
  private closed = false;
  // A failure is the broker's (its session store): one warning line per 10 s, counted by reason.
  private readonly failures = new Tally('the embedded broker could not take publishes (they are published again)', {});

  constructor(private readonly broker: Pick<Aedes, 'publish' | 'closed'>) {}

  get connected(): boolean {
    return !this.closed && !this.broker.closed;
  }

  publish(topic: string, payload: Buffer, done: (err?: Error) => void): void {
    if (!this.connected) return void process.nextTick(done, new Error('connection closed'));
    let returned = false;
    this.broker.publish({ cmd: 'publish', topic, payload, qos: 1, retain: false, dup: false }, (err) => {
      if (err) this.failures.count(err.message);
      // aedes answers some refusals at once: deferred, so a caller publishing again from `done` does not recurse.
      if (returned) done(err ?? undefined);
      else process.nextTick(done, err ?? undefined);
    });
    returned = true;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failures.close();
  }
}
