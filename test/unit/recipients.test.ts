import { describe, expect, it } from 'vitest';
import { Notifications } from '../../src/core/notifications.js';
import { loadConfig } from '../../src/config.js';
import { Broadcaster } from '../../src/core/broadcaster.js';
import type { Broadcast } from '../../src/core/ports/index.js';
import { InProcessQueue } from '../../src/queue/in-process.js';
import { checkRecipients } from '../../src/http/recipients.js';
import { until } from '../support/wait.js';

const MILLION = 1_000_000;

/** Counts event-loop turns taken while `work` runs: a long synchronous block would leave none. */
async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let running = true;
  const spin = () => {
    if (!running) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  try {
    await work();
  } finally {
    running = false;
  }
  return turns;
}

describe('a million recipients without stalling the event loop', () => {
  it('checkRecipients checks a million ids in slices, giving other callbacks turns', async () => {
    const ids = Array.from({ length: MILLION }, (_, i) => i + 1);
    let checked: Awaited<ReturnType<typeof checkRecipients>> = [];
    const turns = await turnsDuring(async () => (checked = await checkRecipients([{ user_ids: ids, data: {} }], MILLION)));
    expect(turns).toBeGreaterThanOrEqual(15);
    expect(checked[0]!.userIds).toBe(ids); // handed on, not copied
  });

  it('checkRecipients counts over all entries and names the first bad id', async () => {
    const entry = (userIds: unknown[]) => ({ user_ids: userIds, data: {} });
    await expect(checkRecipients([entry([1, 2]), entry([3])], 2)).rejects.toThrow('notification: at most 2 user ids in one request, over all entries (got 3)');
    for (const bad of [0, -1, 1.5, 2 ** 53, '7', null, Number.NaN]) {
      await expect(checkRecipients([entry([1]), entry([2, bad])], 10)).rejects.toThrow(`notification.1.user_ids.1: expected a positive integer`);
    }
  });

  it('Notifications.send removes duplicates from a million ids in slices, keeping the first-listed order', async () => {
    const queued: Broadcast[] = [];
    const queue = new InProcessQueue(loadConfig({}).queue);
    queue.startConsuming(async (b) => void queued.push(b));
    const notifications = new Notifications(new Broadcaster(queue, 1024 * 1024));
    const ids = Array.from({ length: MILLION }, (_, i) => (i * 7919) % 500_000 + 1); // every id twice
    let answer = { recipients: 0 };
    const turns = await turnsDuring(async () => (answer = await notifications.send({ eventType: 'e', notification: [{ userIds: ids, data: { a: 1 } }] })));
    expect(turns).toBeGreaterThanOrEqual(15);
    expect(answer).toEqual({ recipients: 500_000 });
    await until('the broadcast handed on', () => queued.length === 1);
    await queue.close();
    expect(queued[0]!.userIds.slice(0, 3)).toEqual(ids.slice(0, 3));
    expect(new Set(queued[0]!.userIds).size).toBe(500_000);
    expect(JSON.parse(queued[0]!.payload)).toEqual({ a: 1, event_type: 'e' });
  });
});
