import type { Aedes, Client, Subscription } from 'aedes';

/** A session as aedes' persistence names it: a Client, or a `{ clientId }` taken from a stored subscription. */
export interface SessionRef {
  id?: string;
}

/**
 * The parts of aedes' session persistence (./sessions: SQLite or Redis) that the broker wraps. The queue of a session
 * holds its QoS 1 messages not yet acknowledged: sent and in flight, or waiting for the client to come back.
 */
export interface SessionStore {
  addSubscriptions(client: Client, subs: Subscription[]): Promise<void>;
  outgoingEnqueue(sub: { clientId: string }, packet: unknown): Promise<void>;
  outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: unknown): Promise<void>;
  outgoingUpdate(client: { id: string }, packet: unknown): Promise<void>;
  outgoingClearMessageId(client: { id: string }, packet: unknown): Promise<unknown>;
}

/** aedes sets its persistence up in `listen()` (which `createBroker` awaits) and does not type it. */
export const sessionStoreOf = (aedes: Aedes): SessionStore => (aedes as unknown as { persistence: SessionStore }).persistence;

/**
 * aedes stores a message, then hands it to an online client and updates the stored copy. A message the queue cap
 * dropped (DINO_MQTT_MAX_QUEUED) has no stored copy, which aedes would take for a broken session and close the
 * connection: the message goes out without one instead.
 */
export function tolerateDroppedMessages(store: SessionStore): void {
  const update = store.outgoingUpdate.bind(store);
  store.outgoingUpdate = (client, packet) => update(client, packet).catch((err: Error) => {
    if (err.message !== 'no such packet') throw err;
  });
}
