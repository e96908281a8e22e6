import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openBrokerPersistence } from '../../src/broker/sessions/open.js';
import { SqliteSessions } from '../../src/broker/sessions/sqlite-persistence.js';
import type { SessionPacket } from '../../src/broker/sessions/types.js';
import { loadConfig } from '../../src/config.js';

const BROKER = { id: 'broker-1' };
const APP = { id: 'app-1' };
const packet = (n: number, clientTopic = 'dino/users/1'): SessionPacket => ({
  cmd: 'publish', topic: clientTopic, payload: Buffer.from(`m${n}`), qos: 1, retain: false, dup: false,
  brokerId: BROKER.id, brokerCounter: n,
});

describe('broker sessions in SQLite: how they are written', () => {
  let dir: string;
  let file: string;
  let store: SqliteSessions;

  async function open(maxQueued = 1000): Promise<SqliteSessions> {
    store = new SqliteSessions({ file, maxQueued, sessionExpiryMs: 3_600_000 });
    await store.setup(BROKER);
    return store;
  }

  const payloads = async () => ((await store.outgoingStream(APP).toArray()) as SessionPacket[]).map((p) => String(p.payload));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dino-broker-sessions-'));
    file = join(dir, 'broker.sqlite');
  });
  afterEach(async () => {
    await store.destroy().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('groups the writes of one turn into few commits, and resolves each call once its commit is done', async () => {
    await open();
    const reader = new Database(file, { readonly: true });
    const committed = () => (reader.prepare('SELECT count(*) AS n FROM outgoing').get() as { n: number }).n;
    // A broadcast to 20k offline sessions, one PUBLISH each, as aedes hands them over.
    const calls = Array.from({ length: 20_000 }, (_, i) =>
      store.outgoingEnqueueCombi([{ clientId: `user-${i}`, topic: `dino/users/${i}` }], packet(i + 1, `dino/users/${i}`)));
    expect(committed()).toBe(0); // nothing is written within the turn that asked
    expect(await calls[0]!.then(committed)).toBe(5000); // the first call resolves with its whole commit visible
    await Promise.all(calls);
    expect(committed()).toBe(20_000);
    reader.close();
  });

  it('fails only the unit that found nothing, not the others of its commit', async () => {
    await open();
    const missing = store.outgoingUpdate(APP, { ...packet(99), messageId: 1 });
    const enqueued = store.outgoingEnqueueCombi([{ clientId: APP.id, topic: 'dino/users/1' }], packet(1));
    await expect(missing).rejects.toThrow('no such packet');
    await expect(enqueued).resolves.toBeUndefined();
    expect(await payloads()).toEqual(['m1']);
  });

  it('drops the oldest packet not yet sent from a full queue; when all are in flight, the new one', async () => {
    await open(3);
    const sub = [{ clientId: APP.id, topic: 'dino/users/1' }];
    await store.outgoingEnqueueCombi(sub, packet(1));
    await store.outgoingUpdate(APP, { ...packet(1), messageId: 1 }); // sent, awaiting PUBACK
    for (const n of [2, 3, 4]) await store.outgoingEnqueueCombi(sub, packet(n));
    expect(await payloads()).toEqual(['m1', 'm3', 'm4']);
    for (const n of [3, 4]) await store.outgoingUpdate(APP, { ...packet(n), messageId: n });
    await store.outgoingEnqueueCombi(sub, packet(5));
    expect(await payloads()).toEqual(['m1', 'm3', 'm4']);
    expect(store.drops.total).toEqual({ oldest: 1, newest: 1 });
    await store.outgoingClearMessageId(APP, { messageId: 3 }); // a PUBACK makes room again
    await store.outgoingEnqueueCombi(sub, packet(6));
    expect(await payloads()).toEqual(['m1', 'm4', 'm6']);
  });

  it('openBrokerPersistence keeps the sessions in DINO_DATA_DIR/broker.sqlite when there is no Redis', async () => {
    const config = loadConfig({ DINO_DATA_DIR: join(dir, 'data'), DINO_MQTT_MAX_QUEUED: '5' });
    const opened = await openBrokerPersistence(config);
    store = opened as SqliteSessions;
    expect(opened.kind).toBe('sqlite');
    expect(existsSync(join(dir, 'data', 'broker.sqlite'))).toBe(true);
  });
});
