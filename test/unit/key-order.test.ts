import { describe, expect, it } from 'vitest';
import type { Broadcast } from '../../src/queue/port.js';
import { inKeyOrder } from '../../src/workers/key-order.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const b = (payload: string, orderKey?: string): Broadcast => ({ payload, userIds: [1], orderKey });

describe('inKeyOrder', () => {
  it('runs broadcasts of one key one after the other, in call order, even when earlier ones are slower', async () => {
    const log: string[] = [];
    const handler = inKeyOrder(async (x) => {
      log.push(`start ${x.payload}`);
      await sleep(x.payload === 'a1' ? 30 : 1);
      log.push(`end ${x.payload}`);
    });
    await Promise.all([handler(b('a1', 'a')), handler(b('a2', 'a')), handler(b('a3', 'a'))]);
    expect(log).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
  });

  it('lets different keys overlap', async () => {
    const log: string[] = [];
    const handler = inKeyOrder(async (x) => {
      log.push(`start ${x.payload}`);
      await sleep(10);
      log.push(`end ${x.payload}`);
    });
    await Promise.all([handler(b('a', 'k1')), handler(b('b', 'k2')), handler(b('c'))]);
    expect(log.slice(0, 3).sort()).toEqual(['start a', 'start b', 'start c']);
  });

  it('does not let a failure block the next broadcast of the key, and still reports the failure', async () => {
    const handler = inKeyOrder(async (x) => {
      if (x.payload === 'bad') throw new Error('boom');
    });
    const results = await Promise.allSettled([handler(b('bad', 'k')), handler(b('good', 'k'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
  });
});
