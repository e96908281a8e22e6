import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionOptions, PublishConnection } from '../../src/workers/publish-connection.js';
import { App } from '../support/mqtt-probe.js';
import { sleep, until } from '../support/wait.js';
import { freePort } from '../support/net.js';

/** A broker to publish to: where publishers and subscribers connect and with which login. */
export interface BrokerUnderTest {
  /** The URL the connection under test is opened with. */
  publishUrl: string;
  /** Where an mqtt.js subscriber connects (the same broker). */
  subscribeUrl: string;
  login?: { username: string; password: string };
  /** A login this broker refuses (only brokers that check logins have one). */
  refusedLogin?: { username: string; password: string };
  /** A payload size this broker drops the connection over (its packet limit), if it has one. */
  oversized?: number;
  /** Prepended to a user id: that user's topic. */
  topicPrefix: string;
  /**
   * For a broker behind TLS: the certificate to trust, and a TLS front of its own to the same broker (a URL nobody
   * else connects to), which counts its handshakes and tells when a client breaks one off.
   */
  tls?: { ca: string; isolated(): Promise<{ url: string; handshakes(): number; nextRejection(): Promise<void>; close(): Promise<void> }> };
  /**
   * The connection is the broker's own, in its thread (the URL is not used): the cases about reaching a broker over
   * the network (dropped, found by URL, out of reach) do not apply.
   */
  inThread?: true;
  /** The user's own login (client id, user name, password), for a broker that checks subscribers. */
  userLogin?: (userId: number) => Promise<{ clientId: string; username: string; password: string }>;
}

export type OpenConnection = (url: string, options: ConnectionOptions) => PublishConnection;

/** What every publisher connection (workers/publish-connection.ts) must do, against a real broker. */
export function publishConnectionContract(name: string, open: OpenConnection, under: BrokerUnderTest | undefined) {
  describe.skipIf(!under)(`publish connection contract: ${name}`, () => {
    const broker = under!; // used only inside tests, which run only when it is there
    const opened: Array<{ close(): Promise<void> | void }> = [];
    const options = (extra: Partial<ConnectionOptions> = {}): ConnectionOptions => ({
      clientId: `contract-${randomUUID()}`, ...broker.login, ca: broker.tls?.ca, keepaliveSeconds: 30, reconnectMs: 100,
      connectTimeoutMs: 5_000, ...extra,
    });
    const connection = (extra?: Partial<ConnectionOptions>) => {
      const c = open(broker.publishUrl, options(extra));
      opened.push(c);
      return c;
    };
    /** A user's app subscribed to its own topic, and that topic. */
    const subscriber = async () => {
      const userId = 1 + Math.floor(Math.random() * 1e12);
      const topic = broker.topicPrefix + userId;
      const app = await App.connect(broker.subscribeUrl, { clean: true, ...await broker.userLogin?.(userId) });
      opened.push({ close: () => void app.client.end(true) });
      expect(await app.subscribe([topic])).toEqual([1]);
      return { app, topic };
    };
    const publish = (c: PublishConnection, topic: string, payload: Buffer) =>
      new Promise<void>((resolve, reject) => c.publish(topic, payload, (err) => (err ? reject(err) : resolve())));

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((c) => c.close()));
    });

    it('publishes at QoS 1 in call order, each acknowledged, the payload bytes intact', async () => {
      const { app, topic } = await subscriber();
      const c = connection();
      await until('the connection', () => c.connected);
      const payloads = Array.from({ length: 300 }, (_, i) => `{"n":${i},"text":"héllo ✓ ${'x'.repeat(i)}"}`);
      await Promise.all(payloads.map((p) => publish(c, topic, Buffer.from(p))));
      await until('all 300 messages', () => app.received.length >= payloads.length);
      expect(app.received.map((r) => r.payload)).toEqual(payloads);
      expect(app.received.every((r) => r.topic === topic)).toBe(true);
    });

    it('keeps call order for a persistent session that was away: what was published meanwhile arrives in order', async () => {
      const userId = 1 + Math.floor(Math.random() * 1e12);
      const topic = broker.topicPrefix + userId;
      const login = (await broker.userLogin?.(userId)) ?? { clientId: `contract-away-${randomUUID()}` };
      const before = await App.connect(broker.subscribeUrl, { clean: false, ...login });
      expect(await before.subscribe([topic])).toEqual([1]);
      await before.close();
      const c = connection();
      await until('the connection', () => c.connected);
      const payloads = Array.from({ length: 200 }, (_, i) => `away ${i}`);
      await Promise.all(payloads.map((p) => publish(c, topic, Buffer.from(p))));
      const back = await App.connect(broker.subscribeUrl, { clean: false, ...login });
      opened.push({ close: () => back.close() });
      await until('the 200 queued messages', () => back.received.length >= payloads.length);
      expect(back.received.map((r) => r.payload)).toEqual(payloads);
    });

    it('sends what was published before it was connected once it is, and a payload larger than one write', async () => {
      const { app, topic } = await subscriber();
      const c = connection(); // connecting takes I/O: what follows is published before it is up
      const big = Buffer.alloc(200_000, 'b');
      await Promise.all([publish(c, topic, Buffer.from('first')), publish(c, topic, big), publish(c, topic, Buffer.from('last'))]);
      await until('three messages', () => app.received.length >= 3);
      expect(app.received.map((r) => r.payload.length)).toEqual([5, big.length, 4]);
      expect(app.received[2]!.payload).toBe('last');
    });

    if (!under?.inThread) it('comes back by itself after the broker dropped it, and delivers what was published meanwhile', async () => {
      const { app, topic } = await subscriber();
      const clientId = `contract-${randomUUID()}`;
      const c = connection({ clientId });
      await until('the connection', () => c.connected);
      await publish(c, topic, Buffer.from('before'));
      // A second client with the same id makes the broker drop the first (MQTT's session take-over). What is
      // published from then on goes out whenever the connection is back (at least once: a copy may come twice).
      const usurper = await App.connect(broker.subscribeUrl, { clientId, clean: true, ...broker.login });
      const meanwhile = publish(c, topic, Buffer.from('meanwhile'));
      usurper.client.end(true);
      await meanwhile;
      await publish(c, topic, Buffer.from('after'));
      await until('the last message', () => app.received.some((r) => r.payload === 'after'));
      expect([...new Set(app.received.map((r) => r.payload))]).toEqual(['before', 'meanwhile', 'after']);
      expect(c.connected).toBe(true);
    });

    // Two cases for brokers with the property (a packet limit, a login check); registered only for those.
    if (under?.oversized) it('fails a publish the broker drops the connection over, and goes on with the next', async () => {
      const { app, topic } = await subscriber();
      const c = connection();
      // The caller publishes again from the failure's callback, as the fan-out's lanes do: that one goes out once.
      let next: Promise<void> | undefined;
      const tooLarge = new Promise<Error | undefined>((resolve) => c.publish(topic, Buffer.alloc(broker.oversized!, 'x'), (err) => {
        next = publish(c, topic, Buffer.from('next'));
        resolve(err);
      }));
      expect(await tooLarge).toBeInstanceOf(Error);
      await next;
      await publish(c, topic, Buffer.from('last'));
      await until('the last message', () => app.received.some((r) => r.payload === 'last'));
      expect(app.received.map((r) => r.payload)).toEqual(['next', 'last']);
    }, 30_000);

    if (under?.refusedLogin) it('reports a refused login with its CONNACK code and stays unconnected', async () => {
      const codes: number[] = [];
      const c = connection({ ...broker.refusedLogin, onRefused: (code) => codes.push(code) });
      await until('the refusal', () => codes.length > 0);
      expect([4, 5, 134, 135]).toContain(codes[0]);
      expect(c.connected).toBe(false);
    });

    if (under?.tls) it('does not connect to a broker whose certificate it was not given to trust, and says why', async () => {
      const alone = await broker.tls!.isolated();
      opened.push(alone);
      const codes: string[] = [];
      const first = alone.nextRejection();
      const c = open(alone.url, options({ ca: undefined, onUntrusted: (code) => codes.push(code) }));
      opened.push(c);
      await first;
      await alone.nextRejection(); // and again when it tries anew
      expect(alone.handshakes()).toBe(0);
      expect(c.connected).toBe(false);
      expect(codes[0]).toMatch(/CERT|ISSUER|SIGNATURE/);
    });

    if (!under?.inThread) it('takes the login from the URL when none is given', async () => {
      const { app, topic } = await subscriber();
      const url = new URL(broker.publishUrl);
      if (broker.login) [url.username, url.password] = [broker.login!.username, broker.login!.password];
      const c = open(url.toString(), { ...options(), username: undefined, password: undefined });
      opened.push(c);
      await publish(c, topic, Buffer.from('by URL'));
      await until('the message', () => app.received.length >= 1);
      expect(app.received[0]!.payload).toBe('by URL');
    });

    if (!under?.inThread) it('fails what it holds when closed while the broker is out of reach, and closes at once', async () => {
      const unreachable = new URL(broker.publishUrl);
      unreachable.port = String(await freePort());
      const c = open(unreachable.toString(), options());
      opened.push(c);
      const outcome = (p: Promise<void>) => p.then(() => 'acknowledged', (err: Error) => err);
      const held = [outcome(publish(c, 'x/1', Buffer.from('a'))), outcome(publish(c, 'x/2', Buffer.from('b')))];
      await sleep(300); // a few reconnect attempts
      await c.close();
      for (const result of await Promise.all(held)) expect(result).toBeInstanceOf(Error);
    });

    it('closes: not connected afterwards, and a publish then fails at once', async () => {
      const { topic } = await subscriber();
      const c = connection();
      await until('the connection', () => c.connected);
      await publish(c, topic, Buffer.from('x'));
      await c.close();
      expect(c.connected).toBe(false);
      await expect(publish(c, topic, Buffer.from('too late'))).rejects.toThrow();
    });
  });
}
