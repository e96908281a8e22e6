import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTimeUuid, timeUuidAt } from '../../src/core/ids.js';
import type { Group, Message } from '../../src/core/model.js';
import type { Micros } from '../../src/core/time.js';
import { MESSAGE_BUCKET_MICROS } from '../../src/storage/cassandra-schema.js';
import type { Storage } from '../../src/core/ports/storage.js';
import { CoalescedActivity } from '../../src/core/projector.js';

/** 2023-11-14T22:13:20Z. Each test works on its own random groups and users, so no test needs a clean store. */
const T = 1_700_000_000_000_000;
const SECOND = 1_000_000;
const DAY = 86_400 * SECOND;

const userId = (): number => randomInt(1, 2 ** 47);
const userIds = (n: number): number[] => Array.from({ length: n }, userId);

function newGroup(createdAt: Micros, fields: Partial<Group> = {}): Group {
  return {
    groupId: randomUUID(), name: 'a group', description: 'about it', status: 0, groupType: 0, ownerId: null,
    meta: null, createdAt, updatedAt: createdAt, lastMessageTime: createdAt, lastMessageId: null,
    lastMessageUserId: null, lastMessageType: null, lastMessageOverview: null, ...fields,
  };
}

/** A message whose id carries its time; `node` and `seq` pick where it sorts among ids of the same microsecond. */
function message(groupId: string, senderId: number, at: Micros, node: Uint8Array = randomBytes(6), seq = randomInt(0x4000)):
  Message {
  return { groupId, messageId: timeUuidAt(at, seq, node), senderId, payload: `hi ✓ at ${at}`, messageType: 'text',
    createdAt: at };
}

const times = (messages: Message[]): Micros[] => messages.map((m) => m.createdAt);
const newestFirst = (messages: Message[]): Message[] => [...messages].sort((a, b) => b.createdAt - a.createdAt);

/** The storage contract every adapter passes; a difference between two adapters is a bug in one of them. */
export function storageContract(name: string, open: () => Promise<Storage>): void {
  describe(`storage contract: ${name}`, () => {
    let s: Storage;
    beforeAll(async () => {
      s = await open();
    });
    afterAll(async () => {
      await s?.close();
    });

    /** A group at time `at` with the given members (all joined at `at`). */
    async function groupWith(at: Micros, members: number[], fields: Partial<Group> = {}): Promise<Group> {
      const group = newGroup(at, fields);
      expect(await s.createGroup(group, members.map((u) => ({ userId: u, joinTime: at })))).toBe(true);
      return group;
    }
    /** Stores the messages, then applies their activity as the projector does: coalesced, in one call. */
    async function save(...messages: Message[]): Promise<Message[]> {
      for (const m of messages) await s.saveMessage(m);
      await project(...messages);
      return messages;
    }
    const project = (...messages: Message[]) => {
      const activity = new CoalescedActivity();
      for (const m of messages) activity.add(m);
      return s.applyActivity(activity.activity());
    };

    describe('groups', () => {
      it('creates a group with its members and reads it back', async () => {
        const [a, b] = userIds(2);
        const group = newGroup(T, { ownerId: a!, meta: 7, groupType: 1, status: -1, description: null });
        expect(await s.createGroup(group, [{ userId: a!, joinTime: T }, { userId: b!, joinTime: T + 5 }])).toBe(true);
        expect(await s.getGroup(group.groupId)).toEqual(group);
        expect(await s.getMembership(group.groupId, b!)).toEqual({ groupId: group.groupId, userId: b, joinTime: T + 5,
          lastReadTime: T + 5, lastSentTime: null, deleteBefore: T + 4 });
      });

      it('knows no group it was not given', async () => {
        expect(await s.getGroup(randomUUID())).toBeNull();
        expect(await s.getGroup('not-a-uuid')).toBeNull();
        expect(await s.getMembers(randomUUID())).toEqual([]);
      });

      it('refuses a taken group id and writes nothing', async () => {
        const [a, b] = userIds(2);
        const group = await groupWith(T, [a!]);
        const again = { ...newGroup(T + 10, { name: 'impostor', ownerId: b! }), groupId: group.groupId };
        expect(await s.createGroup(again, [{ userId: b!, joinTime: T + 10 }])).toBe(false);
        expect(await s.getGroup(group.groupId)).toEqual(group);
        expect(await s.getMembers(group.groupId)).toEqual([{ userId: a, joinTime: T }]);
        expect(await s.getMembership(group.groupId, b!)).toBeNull();
      });

      it('lets exactly one of two racing creations win', async () => {
        const group = newGroup(T);
        const results = await Promise.all([s.createGroup(group, []), s.createGroup({ ...group, name: 'other' }, [])]);
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('deletes a group with its memberships; other groups stay', async () => {
        const [a, b] = userIds(2);
        const gone = await groupWith(T, [a!, b!]);
        const kept = await groupWith(T + SECOND, [a!]);
        await s.deleteGroup(gone.groupId);
        expect(await s.getGroup(gone.groupId)).toBeNull();
        expect(await s.getMembers(gone.groupId)).toEqual([]);
        expect(await s.getMembership(gone.groupId, b!)).toBeNull();
        expect((await s.listUserGroups(a!, { limit: 10 })).map((g) => g.group.groupId)).toEqual([kept.groupId]);
      });

      it('updates only the fields a patch names; null clears description and owner', async () => {
        const owner = userId();
        const group = await groupWith(T, [owner], { ownerId: owner, description: 'old' });
        const renamed = await s.updateGroup(group.groupId, { name: 'new name', updatedAt: T + 1 });
        expect(renamed).toEqual({ ...group, name: 'new name', updatedAt: T + 1 });
        const cleared = await s.updateGroup(group.groupId, { description: null, ownerId: null, updatedAt: T + 2 });
        expect(cleared).toEqual({ ...group, name: 'new name', description: null, ownerId: null, updatedAt: T + 2 });
        const reopened = await s.updateGroup(group.groupId, { status: -2, ownerId: 42, description: 'x', updatedAt: T + 3 });
        expect(reopened).toEqual({ ...group, name: 'new name', description: 'x', ownerId: 42, status: -2, updatedAt: T + 3 });
        expect(await s.getGroup(group.groupId)).toEqual(reopened);
      });

      it('updates no group that does not exist, and creates none', async () => {
        const groupId = randomUUID();
        expect(await s.updateGroup(groupId, { name: 'x', updatedAt: T })).toBeNull();
        expect(await s.getGroup(groupId)).toBeNull();
      });
    });

    describe('members', () => {
      it('lists members newest join first, ties by user id', async () => {
        const [a, b, c, d] = userIds(4).sort((x, y) => x - y);
        const group = newGroup(T);
        await s.createGroup(group, [{ userId: d!, joinTime: T + 1 }, { userId: a!, joinTime: T + 3 },
          { userId: c!, joinTime: T + 2 }, { userId: b!, joinTime: T + 2 }]);
        expect(await s.getMembers(group.groupId)).toEqual([{ userId: a, joinTime: T + 3 },
          { userId: b, joinTime: T + 2 }, { userId: c, joinTime: T + 2 }, { userId: d, joinTime: T + 1 }]);
      });

      it('has no membership for a non-member or an unknown group', async () => {
        const [a, stranger] = userIds(2);
        const group = await groupWith(T, [a!]);
        expect(await s.getMembership(group.groupId, stranger!)).toBeNull();
        expect(await s.getMembership(randomUUID(), a!)).toBeNull();
      });

      it('adds only new members: an existing member keeps its state; the group is touched', async () => {
        const [a, b] = userIds(2);
        const group = await groupWith(T, [a!]);
        await s.markRead(group.groupId, a!, T + 50);
        const before = await s.getMembership(group.groupId, a!);
        await s.addMembers(group.groupId, [{ userId: a!, joinTime: T + 100 }, { userId: b!, joinTime: T + 100 },
          { userId: b!, joinTime: T + 100 }], T + 100);
        await s.addMembers(group.groupId, [{ userId: b!, joinTime: T + 200 }], T + 200);
        expect(await s.getMembership(group.groupId, a!)).toEqual(before);
        expect(before?.lastReadTime).toBe(T + 50);
        expect(await s.getMembership(group.groupId, b!)).toMatchObject({ joinTime: T + 100, lastReadTime: T + 100,
          lastSentTime: null, deleteBefore: T + 99 });
        expect(await s.getMembers(group.groupId)).toEqual([{ userId: b, joinTime: T + 100 }, { userId: a, joinTime: T }]);
        expect((await s.getGroup(group.groupId))?.updatedAt).toBe(T + 200);
      });

      it('removes a member, drops it as owner, touches the group; a second removal is false', async () => {
        const [owner, other] = userIds(2);
        const group = await groupWith(T, [owner!, other!], { ownerId: owner! });
        expect(await s.removeMember(group.groupId, other!, T + 10)).toBe(true);
        expect(await s.getGroup(group.groupId)).toMatchObject({ ownerId: owner, updatedAt: T + 10 });
        expect(await s.removeMember(group.groupId, owner!, T + 20)).toBe(true);
        expect(await s.getGroup(group.groupId)).toMatchObject({ ownerId: null, updatedAt: T + 20 });
        expect(await s.removeMember(group.groupId, owner!, T + 30)).toBe(false);
        expect(await s.getMembership(group.groupId, owner!)).toBeNull();
        expect(await s.getMembers(group.groupId)).toEqual([]);
        expect(await s.listUserGroups(owner!, { limit: 10 })).toEqual([]);
      });

      it('re-adds a removed member later with fresh state', async () => {
        const [a, b] = userIds(2);
        const group = await groupWith(T, [a!, b!]);
        await save(message(group.groupId, b!, T + 5));
        await s.removeMember(group.groupId, b!, T + 10);
        await s.addMembers(group.groupId, [{ userId: b!, joinTime: T + 20 }], T + 20);
        expect(await s.getMembership(group.groupId, b!)).toEqual({ groupId: group.groupId, userId: b, joinTime: T + 20,
          lastReadTime: T + 20, lastSentTime: null, deleteBefore: T + 19 });
      });
    });

    describe('messages', () => {
      it('stores only the row; its activity then records the group last message and the sender last send and read', async () => {
        const [a, b] = userIds(2);
        const group = await groupWith(T, [a!, b!]);
        const m = message(group.groupId, a!, T + 7);
        await s.saveMessage(m);
        expect(await s.getGroup(group.groupId)).toEqual(group);
        expect(await s.getMembership(group.groupId, a!)).toMatchObject({ lastSentTime: null, lastReadTime: T });
        expect(await s.listMessages(group.groupId, { floor: 0, limit: 10 })).toEqual([m]);

        await project(m);
        expect(await s.getGroup(group.groupId)).toEqual({ ...group, updatedAt: T + 7, lastMessageTime: T + 7,
          lastMessageId: m.messageId, lastMessageUserId: a, lastMessageType: 'text', lastMessageOverview: m.payload });
        expect(await s.getMembership(group.groupId, a!)).toMatchObject({ lastSentTime: T + 7, lastReadTime: T + 7 });
        expect(await s.getMembership(group.groupId, b!)).toMatchObject({ lastSentTime: null, lastReadTime: T });
        expect(await s.listMessages(group.groupId, { floor: 0, limit: 10 })).toEqual([m]);
      });

      it('keeps the newer last message, send and read mark when older activity comes late or again', async () => {
        const [a, b] = userIds(2);
        const group = await groupWith(T, [a!, b!]);
        const [newer, older] = await save(message(group.groupId, a!, T + 9), message(group.groupId, a!, T + 8));
        const fromB = message(group.groupId, b!, T + 5);
        await s.saveMessage(fromB);
        await project(older!);
        await project(newer!);
        await project(fromB, older!);
        expect(await s.getGroup(group.groupId)).toMatchObject({ lastMessageId: newer!.messageId, lastMessageTime: T + 9,
          updatedAt: T + 9 });
        expect(await s.getMembership(group.groupId, a!)).toMatchObject({ lastReadTime: T + 9, lastSentTime: T + 9 });
        expect(await s.getMembership(group.groupId, b!)).toMatchObject({ lastReadTime: T + 5, lastSentTime: T + 5 });
        await s.markRead(group.groupId, b!, T + 20);
        await project(fromB);
        expect(await s.getMembership(group.groupId, b!)).toMatchObject({ lastReadTime: T + 20, lastSentTime: T + 5 });
        expect(await s.listMessages(group.groupId, { floor: 0, limit: 10 })).toEqual([newer, older, fromB]);
      });

      it('applies the activity of many groups and senders in one call', async () => {
        const senders = userIds(3);
        const groups = await Promise.all([1, 2, 3, 4].map(() => groupWith(T, senders)));
        const messages = groups.flatMap((g, i) => senders.map((u, j) => message(g.groupId, u, T + 10 * i + j + 1)));
        await save(...messages);
        for (const [i, g] of groups.entries()) {
          expect(await s.getGroup(g.groupId)).toMatchObject({ lastMessageTime: T + 10 * i + 3, lastMessageUserId: senders[2] });
          for (const [j, u] of senders.entries()) {
            expect(await s.getMembership(g.groupId, u)).toMatchObject({ lastSentTime: T + 10 * i + j + 1 });
          }
        }
      });

      it('lists a message whose activity is not applied yet, however long the group was quiet before', async () => {
        const a = userId();
        const group = await groupWith(T, [a]);
        const [old] = await save(message(group.groupId, a, T + 7));
        const { id, micros } = newTimeUuid();
        const fresh: Message = { groupId: group.groupId, messageId: id, senderId: a, payload: 'not projected yet',
          messageType: 'text', createdAt: micros };
        await s.saveMessage(fresh);
        expect(await s.listMessages(group.groupId, { floor: 0, limit: 10 })).toEqual([fresh, old]);
        expect(await s.listMessages(group.groupId, { floor: 0, limit: 1 })).toEqual([fresh]);
        expect(await s.listMessages(group.groupId, { floor: 0, limit: 10, since: T })).toEqual([fresh, old]);
        expect(await s.listMessages(group.groupId, { floor: 0, limit: 10, until: micros })).toEqual([old]);
      });

      it('deletes one message and leaves the others', async () => {
        const a = userId();
        const group = await groupWith(T, [a]);
        const [m1, m2, m3] = await save(...[1, 2, 3].map((i) => message(group.groupId, a, T + i)));
        await s.deleteMessage(group.groupId, m2!.messageId);
        await s.deleteMessage(group.groupId, newTimeUuid().id); // unknown: no error
        expect(await s.listMessages(group.groupId, { floor: 0, limit: 10 })).toEqual([m3, m1]);
      });

      it('lists newest first within until (exclusive), since (inclusive), floor and limit', async () => {
        const a = userId();
        const group = await groupWith(T, [a]);
        const all = newestFirst(await save(...[1, 2, 3, 4, 5].map((i) => message(group.groupId, a, T + i))));
        const list = (q: { until?: number; since?: number; floor?: number; limit?: number }) =>
          s.listMessages(group.groupId, { floor: 0, limit: 100, ...q }).then(times);
        expect(await list({})).toEqual([T + 5, T + 4, T + 3, T + 2, T + 1]);
        expect(await list({})).toEqual(times(all));
        expect(await list({ until: T + 3 })).toEqual([T + 2, T + 1]);
        expect(await list({ since: T + 3 })).toEqual([T + 5, T + 4, T + 3]);
        expect(await list({ since: T + 2, limit: 2 })).toEqual([T + 3, T + 2]);
        expect(await list({ since: T + 2, until: T + 5 })).toEqual([T + 4, T + 3, T + 2]);
        expect(await list({ floor: T + 2 })).toEqual([T + 5, T + 4, T + 3]);
        expect(await list({ floor: T + 2, since: T + 1, limit: 1 })).toEqual([T + 3]);
        expect(await list({ limit: 2 })).toEqual([T + 5, T + 4]);
        expect(await list({ until: T + 1 })).toEqual([]);
        expect(await list({ floor: T + 5 })).toEqual([]);
        expect(await s.listMessages(randomUUID(), { floor: 0, limit: 10 })).toEqual([]);
      });

      it('applies bounds exactly to ids sharing a microsecond, whatever their clock sequence and node', async () => {
        const a = userId();
        const group = await groupWith(T, [a]);
        const at = T + SECOND;
        const nodes = [0x00, 0x7f, 0x80, 0xff].map((b) => new Uint8Array(6).fill(b));
        const same = await save(...nodes.flatMap((n) => [0, 0x3fff, 0x2000].map((seq) => message(group.groupId, a, at, n, seq))));
        await save(message(group.groupId, a, at - 1, nodes[3], 0x3fff), message(group.groupId, a, at + 1, nodes[2], 0));
        const list = (q: { until?: number; since?: number; floor?: number }) =>
          s.listMessages(group.groupId, { floor: 0, limit: 100, ...q }).then(times);
        const sameTimes = same.map(() => at);
        expect(await list({ until: at })).toEqual([at - 1]);
        expect(await list({ until: at + 1 })).toEqual([...sameTimes, at - 1]);
        expect(await list({ since: at })).toEqual([at + 1, ...sameTimes]);
        expect(await list({ since: at + 1 })).toEqual([at + 1]);
        expect(await list({ floor: at })).toEqual([at + 1]);
        expect(await list({ floor: at - 1 })).toEqual([at + 1, ...sameTimes]);
        expect(await s.countMessagesAfter(group.groupId, at - 1, 100)).toBe(same.length + 1);
        expect(await s.countMessagesAfter(group.groupId, at, 100)).toBe(1);
        const ids = await s.listMessages(group.groupId, { floor: 0, limit: 100 }).then((ms) => ms.map((m) => m.messageId));
        expect(new Set(ids).size).toBe(same.length + 2);
      });

      it('reads back 1000 concurrently saved messages (large ones among them), distinct and newest first', async () => {
        const users = userIds(10);
        const group = await groupWith(Date.now() * 1000 - SECOND, users);
        const messages = Array.from({ length: 1000 }, (_, i) => {
          const { id, micros } = newTimeUuid();
          // Writes of one turn may be batched: sizes on both sides of a batch's bounds.
          const payload = i % 97 === 0 ? `${'x'.repeat(40_000)}${i}` : i % 13 === 0 ? `${'y'.repeat(1500)}${i}` : `m${i}`;
          return { groupId: group.groupId, messageId: id, senderId: users[i % 10]!, payload,
            messageType: 'text', createdAt: micros };
        });
        await Promise.all(messages.map((m) => s.saveMessage(m)));
        const read = await s.listMessages(group.groupId, { floor: 0, limit: 2000 });
        expect(read).toHaveLength(1000);
        expect(new Set(read.map((m) => m.messageId)).size).toBe(1000);
        expect(read).toEqual(newestFirst(messages));
        // Activity applied concurrently in arbitrary batches, as several projector writes may land: the newest wins.
        await Promise.all(Array.from({ length: 10 }, (_, k) => project(...messages.filter((_, i) => i % 10 === k))));
        expect((await s.getGroup(group.groupId))?.lastMessageId).toBe(read[0]!.messageId);
        for (const [k, u] of users.entries()) {
          expect((await s.getMembership(group.groupId, u))?.lastSentTime).toBe(messages[990 + k]!.createdAt);
        }
        expect(await s.countMessagesAfter(group.groupId, 0, 5000)).toBe(1000);
      });
    });

    describe('a history over many buckets', () => {
      const B = MESSAGE_BUCKET_MICROS;
      const start = Math.ceil(T / B) * B - 3 * DAY; // three days before a bucket boundary
      // Spread over weeks, with an empty stretch of several buckets and messages on both sides of a boundary.
      const offsets = [0, 1, DAY, 3 * DAY - 1, 3 * DAY, 3 * DAY + 1, 9 * DAY, 17 * DAY, 60 * DAY, 61 * DAY, 75 * DAY];
      let group: Group;
      let all: Message[]; // newest first
      beforeAll(async () => {
        const a = userId();
        group = await groupWith(start, [a]);
        all = newestFirst(await save(...offsets.map((o) => message(group.groupId, a, start + o))));
      });

      it('lists all of it newest first', async () => {
        expect(await s.listMessages(group.groupId, { floor: 0, limit: 100 })).toEqual(all);
        expect(await s.listMessages(group.groupId, { floor: start - 1, limit: 100 })).toEqual(all);
      });

      it('pages backwards with until', async () => {
        for (const limit of [1, 2, 3, 5]) {
          const pages: Message[] = [];
          let until: Micros | undefined;
          for (;;) {
            const page = await s.listMessages(group.groupId, { floor: 0, limit, until });
            expect(page.length).toBeLessThanOrEqual(limit);
            if (page.length === 0) break;
            pages.push(...page);
            until = page[page.length - 1]!.createdAt;
          }
          expect(pages).toEqual(all);
        }
      });

      it('pages forwards with since', async () => {
        for (const limit of [1, 3, 4]) {
          const pages: Message[] = [];
          let since = 0;
          for (;;) {
            const page = await s.listMessages(group.groupId, { floor: 0, limit, since });
            if (page.length === 0) break;
            expect(page).toEqual(newestFirst(page));
            pages.unshift(...page);
            since = page[0]!.createdAt + 1;
          }
          expect(pages).toEqual(all);
        }
      });

      it('combines since, until and floor across buckets', async () => {
        const between = (lo: Micros, hi: Micros) => all.filter((m) => m.createdAt >= lo && m.createdAt < hi);
        const q = { since: start + DAY, until: start + 60 * DAY, floor: 0, limit: 100 };
        expect(await s.listMessages(group.groupId, q)).toEqual(between(start + DAY, start + 60 * DAY));
        expect(await s.listMessages(group.groupId, { ...q, limit: 2 })).toEqual(between(start + DAY, start + 3 * DAY));
        expect(await s.listMessages(group.groupId, { floor: start + 3 * DAY, limit: 100 }))
          .toEqual(between(start + 3 * DAY + 1, Infinity));
        expect(await s.listMessages(group.groupId, { until: start + 3 * DAY, floor: start + 1, limit: 100 }))
          .toEqual(between(start + 2, start + 3 * DAY));
      });

      it('counts messages after a time across buckets, up to the cap', async () => {
        expect(await s.countMessagesAfter(group.groupId, start - 1, 100)).toBe(offsets.length);
        expect(await s.countMessagesAfter(group.groupId, start - 1, 4)).toBe(4);
        expect(await s.countMessagesAfter(group.groupId, start + 3 * DAY - 1, 100)).toBe(7);
        expect(await s.countMessagesAfter(group.groupId, start + 61 * DAY, 100)).toBe(1);
        expect(await s.countMessagesAfter(group.groupId, start + 75 * DAY, 100)).toBe(0);
      });
    });

    describe('per-user state', () => {
      it('counts messages after a time, up to the cap', async () => {
        const a = userId();
        const group = await groupWith(T, [a]);
        await save(...[1, 2, 3, 4, 5].map((i) => message(group.groupId, a, T + i)));
        expect(await s.countMessagesAfter(group.groupId, T + 2, 100)).toBe(3);
        expect(await s.countMessagesAfter(group.groupId, T + 2, 2)).toBe(2);
        expect(await s.countMessagesAfter(group.groupId, T, 100)).toBe(5);
        expect(await s.countMessagesAfter(group.groupId, T + 5, 100)).toBe(0);
        expect(await s.countMessagesAfter(randomUUID(), 0, 100)).toBe(0);
      });

      it('moves the read mark only forward', async () => {
        const a = userId();
        const group = await groupWith(T, [a]);
        const readMark = async () => (await s.getMembership(group.groupId, a))?.lastReadTime;
        await s.markRead(group.groupId, a, T + 10);
        expect(await readMark()).toBe(T + 10);
        await s.markRead(group.groupId, a, T + 5);
        expect(await readMark()).toBe(T + 10);
        await s.markRead(group.groupId, a, T + 20);
        expect(await readMark()).toBe(T + 20);
      });

      it('makes no member of a non-member that marks read', async () => {
        const [a, stranger] = userIds(2);
        const group = await groupWith(T, [a!]);
        await s.markRead(group.groupId, stranger!, T + 10);
        expect(await s.getMembership(group.groupId, stranger!)).toBeNull();
        expect(await s.listUserGroups(stranger!, { limit: 10 })).toEqual([]);
      });

      it("lists a user's groups by last message, newest first, paged with until and limit", async () => {
        const [u, other] = userIds(2);
        const quiet = await groupWith(T + 50, [u!]);
        const groups = await Promise.all([10, 30, 20].map((d) => groupWith(T + d, [u!, other!])));
        await Promise.all(groups.map((g, i) => save(message(g.groupId, other!, T + 100 + [3, 1, 2][i]!))));
        const notMine = await groupWith(T, [other!]);
        await save(message(notMine.groupId, other!, T + 500));
        const left = await groupWith(T, [u!]);
        await s.removeMember(left.groupId, u!, T + 1);

        const ids = (list: { group: Group }[]) => list.map((ug) => ug.group.groupId);
        const expected = [groups[0]!, groups[2]!, groups[1]!, quiet].map((g) => g.groupId);
        const listed = await s.listUserGroups(u!, { limit: 10 });
        expect(ids(listed)).toEqual(expected);
        expect(listed[0]).toEqual({ group: await s.getGroup(expected[0]!),
          membership: await s.getMembership(expected[0]!, u!) });
        expect(ids(await s.listUserGroups(u!, { limit: 2 }))).toEqual(expected.slice(0, 2));
        expect(ids(await s.listUserGroups(u!, { limit: 10, until: T + 102 }))).toEqual(expected.slice(2));
        expect(ids(await s.listUserGroups(u!, { limit: 1, until: T + 102 }))).toEqual(expected.slice(2, 3));
        expect(ids(await s.listUserGroups(u!, { limit: 10, until: T + 50 }))).toEqual([]);
        expect(await s.listUserGroups(userId(), { limit: 10 })).toEqual([]);
      });
    });

    it('answers a ping', async () => {
      await expect(s.ping()).resolves.toBeUndefined();
    });
  });
}
