import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeUuidAt } from '../../src/core/ids.js';
import { initialState, LONG_AGO } from '../../src/core/member-state.js';
import type { Group } from '../../src/core/model.js';
import type { Storage } from '../../src/core/ports/storage.js';
import type { Micros } from '../../src/core/time.js';

/** 2023-11-14T22:13:20Z; each test works on its own random groups and users. */
const T = 1_700_000_000_000_000;
const SECOND = 1_000_000;
const userId = (): number => randomInt(1, 2 ** 47);

function newGroup(createdAt: Micros, groupType = 0): Group {
  return { groupId: randomUUID(), name: 'g', description: null, status: 0, groupType, ownerId: null, meta: null, createdAt,
    updatedAt: createdAt, lastMessageTime: createdAt, lastMessageId: null, lastMessageUserId: null, lastMessageType: null,
    lastMessageOverview: null };
}

/**
 * The member-state part of the storage contract (issue 13): a member's own settings beside its membership. Every
 * adapter passes it; it runs from the storage-*.test.ts files beside storageContract.
 */
export function memberStateContract(name: string, open: () => Promise<Storage>): void {
  describe(`member state contract: ${name}`, () => {
    let s: Storage;
    beforeAll(async () => {
      s = await open();
    });
    afterAll(async () => {
      await s?.close();
    });

    async function groupWith(at: Micros, members: number[], groupType = 0): Promise<Group> {
      const group = newGroup(at, groupType);
      expect(await s.createGroup(group, members.map((u) => ({ userId: u, joinTime: at })))).toBe(true);
      return group;
    }

    it('starts a new member with the initial state: nothing hidden, pinned or bookmarked; highlight long ago', async () => {
      const a = userId();
      const group = await groupWith(T, [a]);
      expect(await s.getMemberState(group.groupId, a)).toEqual({ groupId: group.groupId, userId: a, joinTime: T,
        lastReadTime: T, lastSentTime: null, deleteBefore: T - 1, state: initialState(T) });
      expect(initialState(T)).toMatchObject({ highlightTime: LONG_AGO, notifications: true, kicked: false, lastUpdatedTime: T });
    });

    it('changes only the fields a patch gives and returns the row as stored', async () => {
      const a = userId();
      const group = await groupWith(T, [a]);
      const after = await s.updateMemberState(group.groupId, a, { pin: true, rating: 5, highlightTime: T + 9, hiddenAt: T + 3,
        lastUpdatedTime: T + 10 });
      expect(after).toEqual(await s.getMemberState(group.groupId, a));
      expect(after?.state).toEqual({ ...initialState(T), pin: true, rating: 5, highlightTime: T + 9, hiddenAt: T + 3,
        lastUpdatedTime: T + 10 });
      const again = await s.updateMemberState(group.groupId, a, { hiddenAt: null, rating: null, bookmark: true,
        lastReadTime: T + 5, deleteBefore: T + 4, deleted: true, notifications: false, lastUpdatedTime: T + 20 });
      expect(again).toMatchObject({ lastReadTime: T + 5, deleteBefore: T + 4,
        state: { pin: true, rating: null, hiddenAt: null, bookmark: true, deleted: true, notifications: false, lastUpdatedTime: T + 20 } });
      expect(await s.getMemberState(group.groupId, a)).toEqual(again);
    });

    it('writes nothing for a user who is no member, nor in an unknown group', async () => {
      const [a, stranger] = [userId(), userId()];
      const group = await groupWith(T, [a]);
      expect(await s.updateMemberState(group.groupId, stranger, { pin: true, lastUpdatedTime: T + 1 })).toBeNull();
      expect(await s.getMemberState(group.groupId, stranger)).toBeNull();
      expect(await s.listMemberRecords(stranger)).toEqual([]);
      expect(await s.updateMemberState(randomUUID(), a, { pin: true, lastUpdatedTime: T + 1 })).toBeNull();
      expect(await s.getMemberState('not-a-uuid', a)).toBeNull();
    });

    it('lists a user\'s row in every group it is in, with its own state', async () => {
      const [a, b] = [userId(), userId()];
      const g1 = await groupWith(T, [a, b]);
      const g2 = await groupWith(T + SECOND, [a], 1);
      await groupWith(T, [b]);
      const at = T + 5 * SECOND;
      const message = { groupId: g1.groupId, messageId: timeUuidAt(at, 1, randomBytes(6)), senderId: b, payload: 'x', messageType: 'text', createdAt: at };
      await s.saveMessage(message);
      await s.applyActivity({ lastMessages: [message], sends: [{ groupId: g1.groupId, userId: b, at }] });
      await s.updateMemberState(g2.groupId, a, { pin: true, lastUpdatedTime: T + 2 * SECOND });
      const list = (await s.listMemberRecords(a)).sort((x, y) => (x.groupId === g1.groupId ? -1 : y.groupId === g1.groupId ? 1 : 0));
      expect(list.map((m) => m.groupId)).toEqual([g1.groupId, g2.groupId]);
      expect(list[0]).toMatchObject({ userId: a, lastReadTime: T, state: initialState(T) });
      expect(list[1]!.state).toMatchObject({ pin: true, lastUpdatedTime: T + 2 * SECOND });
      expect((await s.listMemberRecords(b)).find((m) => m.groupId === g1.groupId)).toMatchObject({ lastSentTime: at, lastReadTime: at });
    });

    it('takes a kicked member out of the member list but keeps its row and its conversation', async () => {
      const [a, b] = [userId(), userId()];
      const group = await groupWith(T, [a, b]);
      const kicked = await s.updateMemberState(group.groupId, b, { kicked: true, lastUpdatedTime: T + 10 });
      expect(kicked?.state.kicked).toBe(true);
      expect(await s.getMembers(group.groupId)).toEqual([{ userId: a, joinTime: T }]);
      expect((await s.getMemberState(group.groupId, b))?.state.kicked).toBe(true);
      expect((await s.listMemberRecords(b)).map((m) => m.groupId)).toEqual([group.groupId]);
      await s.updateMemberState(group.groupId, b, { kicked: false, lastUpdatedTime: T + 20 });
      expect((await s.getMembers(group.groupId)).map((m) => m.userId).sort()).toEqual([a, b].sort());
    });

    it('lets a kicked member back in when it joins again, reading from the join', async () => {
      const [a, b] = [userId(), userId()];
      const group = await groupWith(T, [a, b]);
      await s.updateMemberState(group.groupId, b, { kicked: true, lastUpdatedTime: T + 10 });
      await s.addMembers(group.groupId, [{ userId: b, joinTime: T + 30 }], T + 30);
      expect(await s.getMemberState(group.groupId, b)).toMatchObject({ joinTime: T, lastReadTime: T + 30,
        state: { kicked: false, lastUpdatedTime: T + 30 } });
      expect((await s.getMembers(group.groupId)).map((m) => m.userId).sort()).toEqual([a, b].sort());
    });

    it('forgets a member\'s state when it leaves: joining again starts afresh', async () => {
      const [a, b] = [userId(), userId()];
      const group = await groupWith(T, [a, b]);
      await s.updateMemberState(group.groupId, b, { pin: true, bookmark: true, lastUpdatedTime: T + 10 });
      expect(await s.removeMember(group.groupId, b, T + 20)).toBe(true);
      expect(await s.getMemberState(group.groupId, b)).toBeNull();
      expect(await s.listMemberRecords(b)).toEqual([]);
      await s.addMembers(group.groupId, [{ userId: b, joinTime: T + 30 }], T + 30);
      expect((await s.getMemberState(group.groupId, b))?.state).toEqual(initialState(T + 30));
    });
  });
}
