import type { SessionStore } from './session-store.js';
import { Tally } from './tally.js';

/**
 * Caps the messages aedes keeps per persistent session (`clean: false`) until the client acknowledges them, as
 * Mosquitto's `max_queued_messages`: once a session holds `max`, new messages for it are not kept (the newest end
 * is dropped, the oldest stay queued in order), and the drops are counted in a log line. A client that is online
 * still gets such a message once, at QoS 1, without redelivery; one that is away never does.
 */
export class OfflineQueueCap {
  private readonly queued = new Map<string, number>();
  private readonly dropped: Tally;

  constructor(private readonly max: number) {
    this.dropped = new Tally('mqtt session queues full: messages dropped', { limit: max, setting: 'DINO_MQTT_MAX_QUEUED' });
  }

  install(store: SessionStore): void {
    const enqueue = store.outgoingEnqueue.bind(store);
    const enqueueCombi = store.outgoingEnqueueCombi.bind(store);
    const update = store.outgoingUpdate.bind(store);
    const clear = store.outgoingClearMessageId.bind(store);
    store.outgoingEnqueue = async (sub, packet) => {
      if (this.admit(sub.clientId)) await enqueue(sub, packet);
    };
    store.outgoingEnqueueCombi = (subs, packet) => enqueueCombi(subs.filter((sub) => this.admit(sub.clientId)), packet);
    // aedes stores a message, then hands it to an online client and updates the stored copy; a message the cap did
    // not keep has none, which aedes would take for a broken session and close the connection. It goes out without.
    store.outgoingUpdate = (client, packet) => update(client, packet).catch((err: Error) => {
      if (err.message !== 'no such packet') throw err;
    });
    store.outgoingClearMessageId = async (client, packet) => {
      const removed = await clear(client, packet);
      if (removed) this.release(client.id);
      return removed;
    };
  }

  close(): void {
    this.dropped.close();
  }

  private admit(clientId: string): boolean {
    const queued = this.queued.get(clientId) ?? 0;
    if (queued >= this.max) {
      this.dropped.count(clientId);
      return false;
    }
    this.queued.set(clientId, queued + 1);
    return true;
  }

  private release(clientId: string): void {
    const queued = (this.queued.get(clientId) ?? 1) - 1;
    if (queued > 0) this.queued.set(clientId, queued);
    else this.queued.delete(clientId);
  }
}
