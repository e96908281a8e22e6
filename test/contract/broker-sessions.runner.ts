/**
 * Runs aedes-persistence's abstract suite (the tests every aedes persistence must pass, written for node:test)
 * against one of Dino's broker session stores. Started by broker-sessions-*.test.ts as
 * `node --import tsx --test broker-sessions.runner.ts` with BROKER_SESSIONS=sqlite or BROKER_SESSIONS=redis.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import type { RedisSessions } from '../../src/broker/sessions/redis-persistence.js';
import { SqliteSessions } from '../../src/broker/sessions/sqlite-persistence.js';

const require = createRequire(import.meta.url);
const abstractSuite = require('aedes-persistence/abstract.js') as (options: object) => void;

const REDIS_URL = 'redis://127.0.0.1:6379';
const backend = process.env.BROKER_SESSIONS;
let instances = 0;

function sqliteStores(): () => SqliteSessions {
  const dir = mkdtempSync(join(tmpdir(), 'dino-broker-sessions-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return () => new SqliteSessions({ file: join(dir, `${++instances}.sqlite`), maxQueued: 1000, sessionExpiryMs: 7 * 86_400_000 });
}

/** Each store gets a key prefix of its own (so it starts empty), all removed at the end. */
async function redisStores() {
  const { RedisSessions } = await import('../../src/broker/sessions/redis-persistence.js');
  const prefix = `dino:test:broker-sessions:${randomUUID()}:`;
  const opened: RedisSessions[] = [];
  after(async () => {
    // A failed case skips its own destroy(); its connection would keep this process alive.
    await Promise.all(opened.map((store) => store.destroy().catch(() => undefined)));
    const admin = new Redis(REDIS_URL);
    for await (const keys of admin.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await admin.del(...keys);
    }
    await admin.quit();
  });
  return () => {
    const store = RedisSessions.open({ url: REDIS_URL, keyPrefix: `${prefix}${++instances}:`, maxQueued: 1000, sessionExpirySeconds: 7 * 86_400 });
    opened.push(store);
    return store;
  };
}

const persistence = backend === 'sqlite' ? sqliteStores() : backend === 'redis' ? await redisStores() : undefined;
if (!persistence) throw new Error(`BROKER_SESSIONS must be sqlite or redis (got ${backend})`);
abstractSuite({ test, persistence, testAsync: true });
