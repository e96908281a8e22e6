import { finished } from 'node:stream';
import type { Aedes, Client } from 'aedes';

type Deliver = (packet: unknown, done: (err?: unknown) => void) => void;
/** The parts of aedes' Client used here: its two delivery functions (plain properties, set in its constructor). */
type DeliveringClient = Client & { deliver0: Deliver; deliverQoS: Deliver; conn: NodeJS.ReadableStream & NodeJS.WritableStream };

/** Deliveries held back per connection until its CONNACK is out; absent once released. */
const held = new WeakMap<Client, Array<() => void>>();

/**
 * [MQTT-3.2.0-1]: the first packet a server sends on a connection is its CONNACK. aedes restores a persistent
 * session's subscriptions, then reads and writes the session store (the client's will) and only then answers the
 * CONNECT; a message published to the user meanwhile went out before the CONNACK. mqtt.js answers such a PUBLISH with a
 * PUBACK it may only send once connected, and reads nothing more until it has: the CONNACK behind it was never read,
 * and the app hung until its connect timeout (seen with Redis sessions, whose reads take a round trip, on about one
 * reconnect in five while a group was busy). So a connection's deliveries wait until its CONNACK is written (or the
 * connection is gone), then go out in the order they came. What the session store queued meanwhile is also sent by
 * aedes after the CONNACK; QoS 1 allows the duplicate.
 *
 * Installs this as the broker's preConnect hook; the broker's `connackSent` releases what a connection held.
 */
export function connackFirst(aedes: Aedes): void {
  aedes.preConnect = (client, _packet, done) => {
    holdDeliveries(client as DeliveringClient);
    done(null, true);
  };
  aedes.on('connackSent', (_connack, client) => release(client));
}

/** How many deliveries the connection holds back now (for tests). */
export const heldDeliveries = (client: Client): number => held.get(client)?.length ?? 0;

function holdDeliveries(client: DeliveringClient): void {
  if (held.has(client)) return;
  const waiting: Array<() => void> = [];
  held.set(client, waiting);
  for (const name of ['deliver0', 'deliverQoS'] as const) {
    const deliver = client[name];
    client[name] = (packet, done) => {
      if (held.get(client) === waiting) waiting.push(() => deliver(packet, done));
      else deliver(packet, done);
    };
  }
  // A connection that ends before its CONNACK hands them on too: aedes then fails them as for any closed client, and
  // the publisher waiting on them is answered.
  finished(client.conn, () => release(client));
}

function release(client: Client): void {
  const waiting = held.get(client);
  if (!waiting) return;
  held.delete(client);
  for (const deliver of waiting) deliver();
}
