import { describe, expect, it } from 'vitest';
import { InProcessIdempotencyStore } from '../../src/idempotency/in-process.js';
import { idempotencyContract } from './idempotency.contract.js';

idempotencyContract('in-process', async (options) => new InProcessIdempotencyStore(options));

describe('memory idempotency store: size cap', () => {
  it('holds at most maxKeys keys, dropping the oldest first', async () => {
    const store = new InProcessIdempotencyStore({ maxKeys: 3 });
    for (const k of ['a', 'b', 'c']) {
      await store.claim(k);
      await store.complete(k, { status: 200, body: k });
    }
    await store.claim('d');
    expect(store.size).toBe(3);
    expect(await store.claim('a')).toEqual({ state: 'new' }); // forgotten: it was the oldest (and now 'b' is gone)
    expect(await store.claim('c')).toEqual({ state: 'done', answer: { status: 200, body: 'c' } });
    expect(await store.claim('d')).toEqual({ state: 'busy' });
    expect(store.size).toBe(3);
    await store.close();
  });

  it('stays at the cap under a flood of unique keys', async () => {
    const store = new InProcessIdempotencyStore({ maxKeys: 1000 });
    for (let i = 0; i < 50_000; i++) {
      await store.claim(`flood-${i}`);
      await store.complete(`flood-${i}`, { status: 201, body: { recipients: 1 } });
    }
    expect(store.size).toBe(1000);
    expect((await store.claim('flood-49999')).state).toBe('done');
    expect((await store.claim('flood-0')).state).toBe('new');
    await store.close();
  });

  it('defaults to 100 000 keys', async () => {
    const store = new InProcessIdempotencyStore();
    for (let i = 0; i < 100_001; i++) await store.claim(`k-${i}`);
    expect(store.size).toBe(100_000);
    await store.close();
  });
});
