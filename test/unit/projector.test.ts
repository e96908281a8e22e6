import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InProcessGroupChanges } from '../../src/changes/in-process.js';
import { loadConfig } from '../../src/config.js';
import { Dino } from '../../src/core/dino.js';
import { attachmentEvent, messageEvent, storedMessageOfEvent } from '../../src/core/events.js';
import { newGroup } from '../../src/core/groups.js';
import { newTimeUuid } from '../../src/core/ids.js';
import type { Message } from '../../src/core/model.js';
import type { Activity, Broadcast } from '../../src/core/ports/index.js';
import { ActivityProjector } from '../../src/core/projector.js';
import { InProcessQueue } from '../../src/queue/in-process.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';

/** A real SQLite store that counts and can fail the projector's writes. */
class WatchedStorage extends SqliteStorage {
  writes: Activity[] = [];
  failures = 0;

  override async applyActivity(activity: Activity): Promise<void> {
    this.writes.push(activity);
    if (this.failures > 0) {
      this.failures--;
      throw new Error('storage down');
    }
    return super.applyActivity(activity);
  }
}

const T = 1_700_000_000_000_000;
const [alice, bob] = [11, 22];

function messageIn(groupId: string, senderId: number, text = 'hi'): Message {
  const { id, micros } = newTimeUuid();
  return { groupId, messageId: id, senderId, payload: text, messageType: 'text', createdAt: micros };
}

describe('ActivityProjector', () => {
  let storage: WatchedStorage;
  let changes: InProcessGroupChanges;
  let announced: Array<string | null>;
  /** The last message each announcement told of, if any. */
  let moved: Array<Message | undefined>;
  let groupId: string;

  beforeEach(async () => {
    storage = new WatchedStorage(join(mkdtempSync(join(tmpdir(), 'dino-projector-')), 'dino.sqlite'));
    changes = new InProcessGroupChanges();
    announced = [];
    moved = [];
    changes.subscribe((id, lastMessage) => {
      announced.push(id);
      moved.push(lastMessage);
    });
    const group = newGroup({ groupId: '00000000-0000-4000-8000-00000000abcd', name: 'g', groupType: 0, ownerId: alice,
      description: null, meta: null }, T);
    groupId = group.groupId;
    await storage.createGroup(group, [{ userId: alice, joinTime: T }, { userId: bob, joinTime: T }]);
  });
  afterEach(async () => {
    await storage.close();
  });

  it('coalesces the messages of one turn into one write: the newest per group and per sender', async () => {
    const projector = new ActivityProjector(storage, changes);
    const messages = Array.from({ length: 100 }, (_, i) => messageIn(groupId, i % 2 ? bob : alice, `m${i}`));
    await Promise.all(messages.map((m) => projector.project(m)));
    expect(storage.writes).toHaveLength(1);
    expect(storage.writes[0]!.lastMessages).toEqual([messages[99]]);
    expect(storage.writes[0]!.sends).toEqual([
      { groupId, userId: alice, at: messages[98]!.createdAt }, { groupId, userId: bob, at: messages[99]!.createdAt }]);
    expect(await storage.getGroup(groupId)).toMatchObject({ lastMessageId: messages[99]!.messageId, lastMessageOverview: 'm99' });
    expect(announced).toEqual([groupId]);
    expect(moved).toEqual([messages[99]]); // caches take the newest message's fields instead of reading the group again
  });

  it('takes what comes during a write into the next one', async () => {
    const projector = new ActivityProjector(storage, changes);
    const first = projector.project(messageIn(groupId, alice));
    await new Promise((resolve) => setImmediate(resolve)); // the first write is under way
    const later = [messageIn(groupId, bob), messageIn(groupId, alice)];
    await Promise.all([first, ...later.map((m) => projector.project(m))]);
    expect(storage.writes).toHaveLength(2);
    expect(storage.writes[1]!.lastMessages).toEqual([later[1]]);
  });

  it('tries a failed write again, and fails its messages once the tries are spent', async () => {
    const projector = new ActivityProjector(storage, changes, { attempts: 3, retryDelayMs: 1 });
    storage.failures = 2;
    const m = messageIn(groupId, bob);
    await projector.project(m);
    expect(storage.writes).toHaveLength(3);
    expect(await storage.getMembership(groupId, bob)).toMatchObject({ lastSentTime: m.createdAt, lastReadTime: m.createdAt });

    storage.failures = 3;
    await expect(projector.project(messageIn(groupId, bob))).rejects.toThrow('storage down');
    expect((await storage.getGroup(groupId))!.lastMessageId).toBe(m.messageId);
  });

  it('by default keeps trying while the storage fails, and gives up only when closed', async () => {
    const projector = new ActivityProjector(storage, changes, { retryDelayMs: 1, maxRetryDelayMs: 2 });
    storage.failures = 30;
    const m = messageIn(groupId, alice);
    await projector.project(m);
    expect(storage.writes).toHaveLength(31);
    expect((await storage.getGroup(groupId))!.lastMessageId).toBe(m.messageId);

    const slow = new ActivityProjector(storage, changes, { retryDelayMs: 60_000, maxRetryDelayMs: 60_000 });
    storage.failures = 1_000_000;
    const waiting = slow.project(messageIn(groupId, bob));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await slow.close(); // wakes the minute-long wait at once
    await expect(waiting).rejects.toThrow('storage down');
  });

  it('projects only the messages Dino stored: a notification typed "message" changes nothing', async () => {
    const projector = new ActivityProjector(storage, changes);
    const delivered: Broadcast[] = [];
    const handle = projector.handler(async (b) => void delivered.push(b));
    const forged = messageIn(groupId, alice, 'forged by a notification');
    const stored = messageIn(groupId, bob, 'stored');
    await handle({ payload: JSON.stringify(messageEvent(forged)), userIds: [bob], eventType: 'message' }, {});
    expect(storage.writes).toHaveLength(0);
    await handle({ payload: JSON.stringify(messageEvent(stored)), userIds: [alice, bob], eventType: 'message', storedMessage: true }, {});
    expect(delivered).toHaveLength(2);
    expect(await storage.getGroup(groupId)).toMatchObject({ lastMessageId: stored.messageId, lastMessageOverview: 'stored' });
  });

  it('takes a stored message carried in memory as it is, and the same from its payload when it was not carried', async () => {
    const projector = new ActivityProjector(storage, changes);
    const handle = projector.handler(async () => undefined);
    const carried = messageIn(groupId, alice, 'carried');
    // The payload says otherwise: only the message carried beside it is read.
    await handle({ payload: JSON.stringify(messageEvent({ ...carried, payload: 'not read' })), userIds: [alice, bob],
      storedMessage: true, stored: { message: carried, revisedAt: null } }, {});
    expect(storage.writes.at(-1)!.lastMessages).toEqual([carried]);
    // What a serialising queue hands over instead (no `stored`) is projected alike, from the payload.
    const parsed = messageIn(groupId, bob, 'parsed');
    await handle({ payload: JSON.stringify(messageEvent(parsed)), userIds: [alice, bob], storedMessage: true }, {});
    expect(storage.writes.at(-1)!.lastMessages).toEqual([parsed]);
    expect(await storage.getGroup(groupId)).toMatchObject({ lastMessageId: parsed.messageId, lastMessageOverview: 'parsed' });
  });

  it('a message sent carries the same message its payload describes, for both kinds of send', async () => {
    const queue = new InProcessQueue(loadConfig({}).queue);
    const handed: Broadcast[] = [];
    queue.startConsuming(async (b) => void handed.push(b));
    const dino = new Dino({ storage, queue, changes }, { maxEventBytes: 1024 * 1024, readReceiptMaxMembers: 2, unreadCacheSize: 0 });
    try {
      await dino.messages.sendToGroup(groupId, alice, { messagePayload: 'sent 💬', messageType: 'text' });
      await dino.messages.sendToGroup(groupId, bob, { messagePayload: 'logged', messageType: 'text', actionLog: true });
      await vi.waitFor(() => expect(handed).toHaveLength(2));
      for (const b of handed) {
        expect(b.stored).toBeDefined();
        expect(b.stored).toEqual(storedMessageOfEvent(b.payload));
      }
    } finally {
      await queue.close();
    }
  });

  it('applies an attachment event as a revision of its placeholder, also in the placeholder\'s own turn', async () => {
    const projector = new ActivityProjector(storage, changes);
    const handle = projector.handler(async () => undefined);
    const placeholder = { ...messageIn(groupId, alice, 'pending'), messageType: 'image' };
    const attachment = { ...placeholder, payload: 'processed', fileId: 'f', updatedAt: placeholder.createdAt + 7_000_000 };
    const stored = (event: object) => ({ payload: JSON.stringify(event), userIds: [alice, bob], storedMessage: true });
    await Promise.all([handle(stored(messageEvent(placeholder)), {}), handle(stored(attachmentEvent(attachment)), {})]);
    expect(storage.writes).toHaveLength(1);
    expect(storage.writes[0]).toEqual({ lastMessages: [placeholder], sends: [{ groupId, userId: alice, at: placeholder.createdAt }],
      revisions: [{ message: { ...placeholder, payload: 'processed' }, at: attachment.updatedAt }] });
    expect(await storage.getGroup(groupId)).toMatchObject({ lastMessageId: placeholder.messageId, lastMessageOverview: 'processed',
      updatedAt: attachment.updatedAt });
    expect(announced).toEqual([groupId]);
    expect(moved).toEqual([undefined]); // a revision drops cached rows: the new last message is not told
  });

  it('hands a broadcast on at once, before its projection is done, and finishes only when both are', async () => {
    const projector = new ActivityProjector(storage, changes);
    let handedOn = false;
    let release!: () => void;
    const m = messageIn(groupId, alice);
    const handled = projector.handler(() => {
      handedOn = true;
      return new Promise<void>((resolve) => (release = resolve));
    })({ payload: JSON.stringify(messageEvent(m)), userIds: [alice], storedMessage: true }, {});
    expect(handedOn).toBe(true);
    let done = false;
    void handled.then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(storage.writes).toHaveLength(1);
    expect(done).toBe(false);
    release();
    await handled;
  });

  it('fails a broadcast whose delivery failed while its projection still waits for storage, and one whose projection failed', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const broadcastOf = (m: Message) => ({ payload: JSON.stringify(messageEvent(m)), userIds: [alice], storedMessage: true });
      // Storage is down: the projection keeps retrying. The failed delivery is told meanwhile, for the queue to retry.
      storage.failures = Number.POSITIVE_INFINITY;
      const retrying = new ActivityProjector(storage, changes, { retryDelayMs: 50 });
      const undelivered = retrying.handler(() => Promise.reject(new Error('broker gone')))(broadcastOf(messageIn(groupId, alice)), {});
      let told: unknown;
      undelivered.catch((err: unknown) => (told = err));
      await vi.waitFor(() => expect(storage.writes.length).toBeGreaterThanOrEqual(2)); // the projection failed, and again
      expect(told).toMatchObject({ message: 'broker gone' });
      await retrying.close();

      storage.failures = 1;
      const projector = new ActivityProjector(storage, changes, { attempts: 1 });
      const unprojected = projector.handler(async () => undefined)(broadcastOf(messageIn(groupId, bob)), {});
      await expect(unprojected).rejects.toThrow('storage down');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('fails what still waits when closed, and takes nothing afterwards', async () => {
    const projector = new ActivityProjector(storage, changes);
    const waiting = projector.project(messageIn(groupId, alice));
    await projector.close();
    await expect(waiting).rejects.toThrow(/closed/);
    await expect(projector.project(messageIn(groupId, alice))).rejects.toThrow(/closed/);
    expect(storage.writes).toHaveLength(0);
  });
});
