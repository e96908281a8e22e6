import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdempotencyStore } from '../../src/core/ports/idempotency.js';

/** What every idempotency store must do; `open` gets a short claim time so expiry can be seen. */
export function idempotencyContract(name: string, open: (options: { claimMs: number }) => Promise<IdempotencyStore>) {
  describe(`idempotency store contract: ${name}`, () => {
    let store: IdempotencyStore;
    beforeAll(async () => {
      store = await open({ claimMs: 300 });
    });
    afterAll(async () => {
      await store?.close();
    });
    const key = () => `test:${randomUUID()}`;

    it('lets the first request run and tells a concurrent one it is busy', async () => {
      const k = key();
      expect(await store.claim(k)).toEqual({ state: 'new' });
      expect(await store.claim(k)).toEqual({ state: 'busy' });
    });

    it('returns the recorded answer to every later request with the key', async () => {
      const k = key();
      await store.claim(k);
      const answer = { status: 200, body: { message_id: 'm1', nested: [1, 2] } };
      await store.complete(k, answer);
      expect(await store.claim(k)).toEqual({ state: 'done', answer });
      expect(await store.claim(k)).toEqual({ state: 'done', answer });
    });

    it('frees a released key for a fresh run, but never releases an answered one', async () => {
      const k = key();
      await store.claim(k);
      await store.release(k);
      expect(await store.claim(k)).toEqual({ state: 'new' });
      await store.complete(k, { status: 201, body: {} });
      await store.release(k);
      expect((await store.claim(k)).state).toBe('done');
    });

    it('frees an unanswered claim after the claim time (a process that died mid-request)', async () => {
      const k = key();
      await store.claim(k);
      await new Promise((r) => setTimeout(r, 400));
      expect(await store.claim(k)).toEqual({ state: 'new' });
    });

    it('keeps keys apart', async () => {
      const [a, b] = [key(), key()];
      await store.claim(a);
      await store.complete(a, { status: 200, body: 'a' });
      expect(await store.claim(b)).toEqual({ state: 'new' });
    });
  });
}
