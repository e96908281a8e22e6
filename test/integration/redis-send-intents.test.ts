import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/errors.js';
import { newTimeUuid } from '../../src/core/ids.js';
import type { Message } from '../../src/core/model.js';
import type { Broadcast } from '../../src/core/ports/queue.js';
import { FIELD } from '../../src/queue/redis-codec.js';
import { RedisStreamQueue } from '../../src/queue/redis.js';
import { intendedRowOf } from '../../src/queue/redis-send-intents.js';
import { redisKeys } from '../../src/redis/keys.js';
import { REDIS_URL, redisConfig } from '../support/redis-config.js';
import { sleep } from '../support/wait.js';

const GRACE_MS = 300;

/** A new message of `groupId` and its broadcast, as a send hands them to the queue. */
function sendOf(groupId: string): { message: Message; broadcast: Broadcast } {
  const { id, micros } = newTimeUuid();
  const message: Message = { groupId, messageId: id, senderId: 1, payload: 'hi', messageType: 'text', createdAt: micros };
  return { message, broadcast: { payload: `{"message_id":"${id}"}`, userIds: [1, 2], orderKey: groupId, eventType: 'message',
    storedMessage: true, stored: { message, revisedAt: null } } };
}

/** A write that waits until `done` is called, as a row write to a storage that hangs. */
function heldWrite(): { write: () => Promise<void>; done: () => void; started: Promise<void> } {
  let done!: () => void;
  let started!: () => void;
  const startedPromise = new Promise<void>((resolve) => (started = resolve));
  const finished = new Promise<void>((resolve) => (done = resolve));
  return { write: () => (started(), finished), done, started: startedPromise };
}

describe.skipIf(!REDIS_URL)('send intents of the Redis queue (a row written, its broadcast not yet appended)', () => {
  let stream: string;
  let admin: Redis;
  let queues: RedisStreamQueue[];
  const openQueue = async () => {
    const queue = new RedisStreamQueue(redisConfig({ stream, sendGraceMs: GRACE_MS }), { consumer: `${stream}-${queues.length}`, blockMs: 100 });
    queues.push(queue);
    await queue.connect();
    return queue;
  };
  /** The rows of the intents held, as `<group id>/<message id>`. */
  const intents = async () => (await admin.smembers(redisKeys({ stream }).sendIntents)).map((intent) => {
    const { groupId, messageId } = intendedRowOf(intent);
    return `${groupId}/${messageId}`;
  });

  beforeEach(() => {
    stream = `test:intents:${randomUUID()}`;
    admin = new Redis(REDIS_URL!);
    queues = [];
  });
  afterEach(async () => {
    await Promise.all(queues.map((queue) => queue.close().catch(() => undefined)));
    await admin.del(stream, ...(await admin.keys(`${stream}:*`)));
    admin.disconnect();
  });

  it('records the intent before the row is written and removes it with the append', async () => {
    const queue = await openQueue();
    const { message, broadcast } = sendOf('g1');
    const held = heldWrite();
    const sent = queue.enqueueAfter(held.write, broadcast);
    await held.started;
    expect(await intents()).toEqual([`g1/${message.messageId}`]);
    held.done();
    await sent;
    expect(await intents()).toEqual([]);
    expect(await admin.xlen(stream)).toBe(1);
  });

  it('records none for what is no new message (a notification, a revision)', async () => {
    const queue = await openQueue();
    const { broadcast } = sendOf('g1');
    const held = heldWrite();
    const revision = queue.enqueueAfter(held.write, { ...broadcast, stored: { ...broadcast.stored!, revisedAt: 1 } });
    await held.started;
    expect(await intents()).toEqual([]);
    held.done();
    await revision;
    await queue.enqueue({ payload: '{}', userIds: [1] });
    expect(await intents()).toEqual([]);
    expect(await admin.xlen(stream)).toBe(2);
  });

  it('hands the row of a send whose process died before its append to the next sweep past the grace, once', async () => {
    const dying = await openQueue();
    const { message, broadcast } = sendOf('g2');
    const held = heldWrite();
    void dying.enqueueAfter(held.write, broadcast).catch(() => undefined);
    await held.started; // the row is being written: the process dies now, before its append
    dying.terminate();
    const survivor = await openQueue();
    const undone: Array<{ groupId: string; messageId: string }> = [];
    const undo = async (row: { groupId: string; messageId: string }) => void undone.push(row);
    expect(await survivor.undoLapsedSends(undo)).toBe(0); // not lapsed yet
    await sleep(GRACE_MS + 50);
    expect(await survivor.undoLapsedSends(undo)).toBe(1);
    expect(undone).toEqual([{ groupId: 'g2', messageId: message.messageId }]);
    expect(await survivor.undoLapsedSends(undo)).toBe(0);
    expect(await intents()).toEqual([]);
    expect(await admin.xlen(stream)).toBe(0);
  });

  it('refuses the append of a send that lapsed meanwhile (503), and numbers the next send of its group as if it never was', async () => {
    const queue = await openQueue();
    const late = sendOf('g3');
    const held = heldWrite();
    const lateSend = queue.enqueueAfter(held.write, late.broadcast);
    await held.started;
    await sleep(GRACE_MS + 50);
    expect(await queue.undoLapsedSends(async () => undefined)).toBe(1);
    held.done();
    await expect(lateSend).rejects.toMatchObject({ code: ErrorCode.QUEUE_UNAVAILABLE, message: expect.stringContaining('DINO_SEND_GRACE_MS') });
    expect(await admin.xlen(stream)).toBe(0);

    await queue.enqueueAfter(async () => undefined, sendOf('g3').broadcast);
    const [[, fields]] = (await admin.xrange(stream, '-', '+')) as Array<[string, string[]]>;
    expect(fields[fields.indexOf(FIELD.orderSeq) + 1]).toBe('1');
  });

  it('keeps what it could not undo for the next sweep, taken for good: the late send is refused all the same', async () => {
    const queue = await openQueue();
    const [first, second] = [sendOf('g4'), sendOf('g5')];
    const held = [heldWrite(), heldWrite()];
    const sends = [queue.enqueueAfter(held[0]!.write, first.broadcast), queue.enqueueAfter(held[1]!.write, second.broadcast)];
    await Promise.all(held.map((h) => h.started));
    await sleep(GRACE_MS + 50);
    const undone: string[] = [];
    // The storage fails for one of the two rows: the other is undone all the same.
    const flaky = async ({ messageId }: { messageId: string }) => {
      if (messageId === first.message.messageId) throw new Error('storage away');
      undone.push(messageId);
    };
    await expect(queue.undoLapsedSends(flaky)).rejects.toThrow(/1 lapsed send\(s\) not undone.*\(1 undone\): storage away/);
    expect(undone).toEqual([second.message.messageId]);
    expect(await intents()).toEqual([]);
    held.forEach((h) => h.done());
    for (const outcome of await Promise.allSettled(sends)) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { code: ErrorCode.QUEUE_UNAVAILABLE } });
    }
    expect(await admin.xlen(stream)).toBe(0);

    expect(await queue.undoLapsedSends(async ({ messageId }) => void undone.push(messageId))).toBe(1);
    expect(undone).toEqual([second.message.messageId, first.message.messageId]);
    expect(await queue.undoLapsedSends(async () => undefined)).toBe(0);
  });
});
