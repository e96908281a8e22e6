import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broadcast, BroadcastQueue } from '../../src/core/ports/queue.js';
import { sleep, until } from '../support/wait.js';

export interface QueueContractOptions {
  /** Skip the whole suite (its service is absent; the caller has already said so loudly). */
  skip?: boolean;
  /** How long a failed entry may take to be delivered again (Redis: claimIdleMs plus a reclaim round). */
  redeliveryWithinMs?: number;
  /**
   * Whether order holds across order keys too. A partitioned queue (DINO_STREAM_PARTITIONS > 1) promises order only
   * among broadcasts of one key (one group): there, the order test gives every broadcast the same key.
   */
  orderedAcrossKeys?: boolean;
}

const broadcastsFor = (tag: string, count: number, userIds = [1, 2, 3]): Broadcast[] =>
  Array.from({ length: count }, (_, i) => ({ payload: JSON.stringify({ tag, i }), userIds }));

/**
 * The promises every BroadcastQueue adapter keeps (see src/queue/port.ts): what is enqueued reaches the handler
 * intact, in order when handled one at a time, again after a failure, and never beyond the concurrency limit.
 * `open` returns a fresh, empty queue; the suite closes it.
 */
export function queueContract(name: string, open: () => Promise<BroadcastQueue>, opts: QueueContractOptions = {}) {
  const redeliveryWithinMs = opts.redeliveryWithinMs ?? 10_000;

  describe.skipIf(opts.skip === true)(`BroadcastQueue contract: ${name}`, () => {
    let queue: BroadcastQueue;
    let received: Broadcast[];
    const record = async (broadcast: Broadcast) => {
      received.push(broadcast);
    };

    beforeEach(async () => {
      received = [];
      queue = await open();
    });
    afterEach(async () => {
      await queue.close();
    });

    it('answers ping', async () => {
      await expect(queue.ping()).resolves.toBeUndefined();
    });

    it('delivers the same payload, user ids, event type and stored-message mark, including a 100 000-recipient list', async () => {
      const huge = Array.from({ length: 100_000 }, (_, i) => i * 7919 + 1);
      const sent: Broadcast[] = [
        { payload: '{"event_type":"message","text":"héllo ✓"}', userIds: [42], eventType: 'message', storedMessage: true },
        { payload: '{"event_type":"message","text":"a notification"}', userIds: [43], eventType: 'message' },
        { payload: '{"event":"group"}', userIds: huge },
        { payload: '', userIds: [] },
        { payload: '{"big":true}', userIds: [2 ** 53 - 1, 1] },
      ];
      queue.startConsuming(record);
      for (const broadcast of sent) await queue.enqueue(broadcast);
      await until('all broadcasts', () => received.length === sent.length);
      const byPayload = (a: Broadcast, b: Broadcast) => a.payload.localeCompare(b.payload);
      expect([...received].sort(byPayload)).toEqual([...sent].sort(byPayload));
    });

    it('enqueueAfter queues the broadcast once its write is done, and nothing when the write fails', async () => {
      const steps: string[] = [];
      queue.startConsuming(record);
      await queue.enqueueAfter(async () => {
        await sleep(20);
        steps.push('written');
      }, { payload: 'after its write', userIds: [1] });
      steps.push('answered');
      await expect(queue.enqueueAfter(async () => {
        throw new Error('the write failed');
      }, { payload: 'never', userIds: [1] })).rejects.toThrow('the write failed');
      await queue.enqueue({ payload: 'the next one', userIds: [1] });
      await until('the broadcasts', () => received.length >= 2);
      await sleep(100);
      expect(steps).toEqual(['written', 'answered']);
      expect(received.map((b) => b.payload).sort()).toEqual(['after its write', 'the next one']);
    });

    it('tells the handler when each entry was accepted', async () => {
      const accepted: Array<number | undefined> = [];
      const before = Date.now();
      for (const broadcast of broadcastsFor('dated', 3)) await queue.enqueue(broadcast);
      const after = Date.now();
      queue.startConsuming(async (_, delivery) => void accepted.push(delivery.acceptedAt));
      await until('dated broadcasts', () => accepted.length === 3);
      // Redis dates an entry by its own clock (the entry id): the same machine's here, so within a second of ours.
      for (const at of accepted) expect(at).toBeGreaterThanOrEqual(before - 1000);
      for (const at of accepted) expect(at).toBeLessThanOrEqual(after + 1000);
    });

    it('counts entries accepted and not yet acknowledged as its backlog, and none once they are', async () => {
      expect(await queue.backlog()).toEqual({ pending: 0, lag: 0 });
      for (const broadcast of broadcastsFor('backlog', 3)) await queue.enqueue(broadcast);
      const total = async () => {
        const { pending, lag } = await queue.backlog();
        return pending + lag;
      };
      await until('a backlog of 3', async () => (await total()) === 3, 3000);
      queue.startConsuming(record);
      await until('the backlog gone', async () => received.length === 3 && (await total()) === 0, 3000);
    });

    it('delivers entries enqueued before consuming started', async () => {
      const sent = broadcastsFor('early', 5);
      for (const broadcast of sent) await queue.enqueue(broadcast);
      queue.startConsuming(record);
      await until('early broadcasts', () => received.length === sent.length);
      expect(new Set(received.map((b) => b.payload))).toEqual(new Set(sent.map((b) => b.payload)));
    });

    it('delivers in enqueue order when handling one at a time', async () => {
      const sent = broadcastsFor('order', 50).map((b) => (opts.orderedAcrossKeys === false ? { ...b, orderKey: 'one-group' } : b));
      for (const broadcast of sent.slice(0, 20)) await queue.enqueue(broadcast);
      queue.startConsuming(record, { concurrency: 1 });
      for (const broadcast of sent.slice(20)) await queue.enqueue(broadcast);
      await until('ordered broadcasts', () => received.length === sent.length);
      expect(received.map((b) => b.payload)).toEqual(sent.map((b) => b.payload));
    });

    it('keeps each group\'s order across waves of concurrent enqueues, large and keyless ones mixed in', async () => {
      // Concurrent enqueues have no order among themselves; each wave holds one per group and waits for the last.
      const waves = Array.from({ length: 6 }, (_, wave) => Array.from({ length: 30 }, (_, g): Broadcast => ({
        payload: JSON.stringify({ wave, g, pad: g === 7 && wave % 2 === 0 ? 'x'.repeat(600_000) : '' }), userIds: [1],
        ...(g >= 27 ? {} : { orderKey: `group-${g}` }),
      })));
      for (const wave of waves) await Promise.all(wave.map((b) => queue.enqueue(b)));
      queue.startConsuming(record, { concurrency: 1 });
      await until('every broadcast of every wave', () => received.length === 6 * 30);
      const waveOrder = (g: number) => received.map((b) => JSON.parse(b.payload)).filter((p) => p.g === g).map((p) => p.wave);
      for (let g = 0; g < 27; g++) expect(waveOrder(g)).toEqual([0, 1, 2, 3, 4, 5]);
      for (let g = 27; g < 30; g++) expect(waveOrder(g).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it('delivers again an entry whose handler failed', async () => {
      const [first, flaky, last] = broadcastsFor('retry', 3);
      let failures = 0;
      queue.startConsuming(async (broadcast) => {
        if (broadcast.payload === flaky!.payload && failures++ === 0) throw new Error('publish failed');
        received.push(broadcast);
      });
      for (const broadcast of [first!, flaky!, last!]) await queue.enqueue(broadcast);
      await until('the failed entry again', () => received.some((b) => b.payload === flaky!.payload),
        redeliveryWithinMs);
      await until('the others', () => received.length >= 3);
      expect(failures).toBeGreaterThanOrEqual(2);
      expect(new Set(received.map((b) => b.payload))).toEqual(new Set([first, flaky, last].map((b) => b!.payload)));
    });

    it('stopConsuming waits for handlers in hand, and nothing is lost across a restart', async () => {
      const sent = broadcastsFor('stop', 20);
      let started = 0;
      let finished = 0;
      const slowRecord = async (broadcast: Broadcast) => {
        started++;
        await sleep(50);
        received.push(broadcast);
        finished++;
      };
      for (const broadcast of sent) await queue.enqueue(broadcast);
      queue.startConsuming(slowRecord, { concurrency: 4 });
      await until('some handlers in hand', () => started >= 5);
      await queue.stopConsuming();
      expect(finished).toBe(started);
      const startedAtStop = started;
      await sleep(200);
      expect(started).toBe(startedAtStop);

      queue.startConsuming(slowRecord, { concurrency: 4 });
      await until('the rest after restart', () => new Set(received.map((b) => b.payload)).size === sent.length);
      expect(new Set(received.map((b) => b.payload))).toEqual(new Set(sent.map((b) => b.payload)));
    });

    it('never has more handlers in hand than the concurrency limit', async () => {
      const sent = broadcastsFor('limit', 15);
      let inHand = 0;
      let maxInHand = 0;
      for (const broadcast of sent) await queue.enqueue(broadcast);
      queue.startConsuming(async (broadcast) => {
        maxInHand = Math.max(maxInHand, ++inHand);
        await sleep(30);
        inHand--;
        received.push(broadcast);
      }, { concurrency: 3 });
      await until('all limited broadcasts', () => received.length === sent.length);
      expect(maxInHand).toBeLessThanOrEqual(3);
      expect(maxInHand).toBeGreaterThan(1);
    });
  });
}
