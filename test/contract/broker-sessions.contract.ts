import { Aedes } from 'aedes';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BrokerPersistence } from '../../src/broker/sessions/open.js';
import type { SessionPacket } from '../../src/broker/sessions/types.js';
import { logger } from '../../src/log.js';

export interface StoreSettings {
  maxQueued: number;
  expiryMs: number;
  now: () => number;
}

/** Opens the store of one test; every call within a test opens the same place (a restart), each test a new one. */
/** aedes keeps its connected clients in a map its types do not show. */
type Connected = { clients: Record<string, unknown> };

export type StoreOpener = (settings: StoreSettings) => BrokerPersistence;

interface Running {
  store: BrokerPersistence;
  broker: Aedes;
}

const HOUR = 3_600_000;
const APP = { id: 'app-1', clean: false };
const TOPIC = 'dino/users/1';

/** Dino's own promises about broker sessions, beyond aedes' abstract suite: restart, queue cap, expiry. */
export function brokerSessionsContract(name: string, newOpener: () => StoreOpener, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip)(`broker sessions: ${name}`, () => {
    let clock = 1_000_000_000;
    const running: Running[] = [];
    let open: StoreOpener;

    /** A real aedes on the store (it calls setup()), as the embedded broker will be; it never listens on a port. */
    async function start(settings: Partial<StoreSettings> = {}): Promise<Running> {
      const store = open({ maxQueued: 100, expiryMs: HOUR, now: () => clock, ...settings });
      const broker = await Aedes.createBroker({ persistence: store, heartbeatInterval: HOUR });
      running.push({ store, broker });
      return { store, broker };
    }

    async function stop({ store, broker }: Running): Promise<void> {
      running.splice(running.findIndex((r) => r.store === store), 1);
      await new Promise((resolve) => broker.close(() => resolve(null)));
      await store.destroy();
    }

    function packet(broker: Aedes, n: number): SessionPacket {
      return { cmd: 'publish', topic: TOPIC, payload: Buffer.from(`m${n}`), qos: 1, retain: false, dup: false,
        brokerId: broker.id, brokerCounter: n };
    }

    async function enqueue(store: BrokerPersistence, broker: Aedes, ...ns: number[]): Promise<void> {
      const subs = await store.subscriptionsByTopic(TOPIC);
      for (const n of ns) await store.outgoingEnqueueCombi(subs, packet(broker, n));
    }

    async function queued(store: BrokerPersistence, clientId = APP.id): Promise<SessionPacket[]> {
      return (await store.outgoingStream({ id: clientId }).toArray()) as SessionPacket[];
    }

    const payloads = (packets: SessionPacket[]) => packets.map((p) => String(p.payload));

    beforeEach(() => {
      open = newOpener();
    });
    afterEach(async () => {
      vi.restoreAllMocks();
      for (const r of [...running]) await stop(r);
    });

    it('keeps a persistent session across a restart: subscriptions, queued packets in order, will', async () => {
      const first = await start();
      await first.store.addSubscriptions(APP, [{ topic: TOPIC, qos: 1 }]);
      await enqueue(first.store, first.broker, 1, 2, 3);
      await first.store.outgoingUpdate(APP, { ...packet(first.broker, 1), messageId: 7 }); // in flight at the stop
      await first.store.putWill(APP, { topic: 'dino/wills/app-1', payload: Buffer.from('gone'), qos: 1, retain: false });
      await stop(first);

      const { store, broker } = await start();
      expect((await store.subscriptionsByClient(APP)).map((s) => [s.topic, s.qos])).toEqual([[TOPIC, 1]]);
      expect(await store.subscriptionsByTopic(TOPIC)).toMatchObject([{ clientId: APP.id, topic: TOPIC, qos: 1 }]);
      expect(await store.countOffline()).toEqual({ subsCount: 1, clientsCount: 1 });
      const again = await queued(store);
      expect(payloads(again)).toEqual(['m1', 'm2', 'm3']);
      expect(again[0]!.messageId).toBe(7);
      // The reconnect: aedes sends each queued packet under a new message id, then the PUBACKs come.
      for (const [i, p] of again.entries()) await store.outgoingUpdate(APP, { ...p, messageId: 100 + i });
      expect(String((await store.outgoingClearMessageId(APP, { messageId: 100 }))?.payload)).toBe('m1');
      expect(payloads(await queued(store))).toEqual(['m2', 'm3']);
      // The will of a broker process that is gone is there for aedes to publish.
      const wills = (await store.streamWill({ [broker.id]: Date.now() }).toArray()) as SessionPacket[];
      expect(wills).toMatchObject([{ clientId: APP.id, topic: 'dino/wills/app-1' }]);
    });

    it('keeps a PUBLISH that aedes acknowledged just before the stop', async () => {
      const first = await start();
      await first.store.addSubscriptions(APP, [{ topic: TOPIC, qos: 1 }]);
      // aedes writes the PUBACK first and hands the packet on a turn later (lib/write.js): a stop can fall between.
      setImmediate(() => first.broker.publish({ ...packet(first.broker, 1), payload: Buffer.from('late') } as never, () => {}));
      await stop(first);
      const { store } = await start();
      expect(payloads(await queued(store))).toEqual(['late']);
    });

    it('keeps the newest packets of a full queue and says so in one log line per window', async () => {
      const warn = vi.spyOn(logger, 'warn');
      const session = await start({ maxQueued: 3 });
      const { store, broker } = session;
      await store.addSubscriptions(APP, [{ topic: TOPIC, qos: 1 }]);
      await enqueue(store, broker, 1, 2, 3, 4, 5);
      expect(payloads(await queued(store))).toEqual(['m3', 'm4', 'm5']);
      expect(store.drops.total).toEqual({ oldest: 2, newest: 0 });
      expect(warn).toHaveBeenCalledTimes(1); // the first drop at once, the second in the window's closing line
      await stop(session);
      expect(warn).toHaveBeenCalledTimes(2);
      expect(warn.mock.calls.map((call) => (call[0] as { droppedOldest: number }).droppedOldest)).toEqual([1, 1]);
      expect(String(warn.mock.calls[0]![1])).toMatch(/DINO_MQTT_MAX_QUEUED.*oldest/);
    });

    it('forgets a session whose client stays away longer than the expiry, keeps a connected one', async () => {
      const { store, broker } = await start();
      for (const id of ['gone', 'here']) await store.addSubscriptions({ id, clean: false }, [{ topic: TOPIC, qos: 1 }]);
      await enqueue(store, broker, 1);
      (broker as unknown as Connected).clients.here = {}; // connected all along
      clock += HOUR / 2;
      expect(await store.sweepExpired()).toEqual([]);
      clock += HOUR;
      expect(await store.sweepExpired()).toEqual(['gone']);
      delete (broker as unknown as Connected).clients.here;
      expect((await store.subscriptionsByTopic(TOPIC)).map((s) => s.clientId)).toEqual(['here']);
      expect(await store.subscriptionsByClient({ id: 'gone' })).toEqual([]);
      expect(await queued(store, 'gone')).toEqual([]);
      expect(payloads(await queued(store, 'here'))).toEqual(['m1']);
      expect((await store.countOffline()).clientsCount).toBe(1);
    });

    it('does not count the time Dino was stopped against a session', async () => {
      const first = await start();
      await first.store.addSubscriptions(APP, [{ topic: TOPIC, qos: 1 }]);
      await stop(first);
      clock += 10 * HOUR;
      const { store } = await start();
      expect(await store.sweepExpired()).toEqual([]);
      clock += HOUR + 1;
      expect(await store.sweepExpired()).toEqual([APP.id]);
    });

    it('dates a session when its persistent client connects or disconnects; clean clients have none', async () => {
      const { store, broker } = await start();
      broker.emit('clientDisconnect', { id: 'persistent', clean: false } as never);
      broker.emit('client', { id: 'clean', clean: true } as never);
      clock += HOUR / 2;
      broker.emit('client', { id: 'late', clean: false } as never);
      clock += HOUR / 2 + 1;
      expect(await store.sweepExpired()).toEqual(['persistent']);
    });
  });
}
