import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeUuidAt } from '../../src/core/ids.js';
import type { Attachment, Group, Message } from '../../src/core/model.js';
import type { Storage, UndeletedMessages } from '../../src/core/ports/storage.js';
import type { Micros } from '../../src/core/time.js';

/** 2023-11-14T22:13:20Z; each test works on its own random groups and users. */
const T = 1_700_000_000_000_000;
const SECOND = 1_000_000;
const DAY = 86_400 * SECOND;
const userId = (): number => randomInt(1, 2 ** 47);

/**
 * The retention part of the storage contract (the original's §5.9 and its checklist line
 * get_groups_with_undeleted_messages): which groups hold messages every member deleted, and purging them. Every
 * adapter passes it; it runs from the storage-*.test.ts files beside storageContract.
 */
export function retentionContract(name: string, open: () => Promise<Storage>): void {
  describe(`retention contract: ${name}`, () => {
    let s: Storage;
    beforeAll(async () => {
      s = await open();
    });
    afterAll(async () => {
      await s?.close();
    });

    /** A group created at T with the given members, and one message (by the first member) at each time given. */
    async function groupWith(members: number[], times: Micros[]): Promise<{ group: Group; messages: Message[] }> {
      const group: Group = { groupId: randomUUID(), name: 'g', description: null, status: 0, groupType: 0, ownerId: members[0]!,
        meta: null, createdAt: T, updatedAt: T, lastMessageTime: T, lastMessageId: null, lastMessageUserId: null,
        lastMessageType: null, lastMessageOverview: null };
      expect(await s.createGroup(group, members.map((u) => ({ userId: u, joinTime: T })))).toBe(true);
      const messages = times.map((at) => ({ groupId: group.groupId, messageId: timeUuidAt(at, 7, randomBytes(6)),
        senderId: members[0]!, payload: `at ${at}`, messageType: 'text', createdAt: at }));
      for (const m of messages) await s.saveMessage(m);
      if (messages.length) await s.applyActivity({ lastMessages: [messages.at(-1)!], sends: [] });
      return { group, messages };
    }

    const deleteBefore = (groupId: string, user: number, at: Micros) =>
      s.updateMemberState(groupId, user, { deleteBefore: at, deleted: true, lastUpdatedTime: at });

    /** What the scan reports for this test's groups (the storage is shared with other tests). */
    async function found(...groupIds: string[]): Promise<UndeletedMessages[]> {
      const rows: UndeletedMessages[] = [];
      for await (const row of s.groupsWithUndeletedMessages()) if (groupIds.includes(row.groupId)) rows.push(row);
      return rows.sort((a, b) => groupIds.indexOf(a.groupId) - groupIds.indexOf(b.groupId));
    }

    const history = async (groupId: string, floor: Micros) =>
      (await s.listMessages(groupId, { floor, limit: 100 })).map((m) => m.createdAt);

    it('get_groups_with_undeleted_messages: found only when ALL members deleted past first_message_time, with (group_id, min delete_before)', async () => {
      const [a, b, c] = [userId(), userId(), userId()];
      const { group } = await groupWith([a, b, c], [T + 1, T + 2, T + 3, T + 4]);
      expect(await found(group.groupId)).toEqual([]); // nobody deleted anything
      await deleteBefore(group.groupId, a, T + 3);
      await deleteBefore(group.groupId, b, T + 2);
      expect(await found(group.groupId)).toEqual([]); // c never deleted
      await deleteBefore(group.groupId, c, T + 4);
      expect(await found(group.groupId)).toEqual([{ groupId: group.groupId, minDeleteBefore: T + 2, firstMessageTime: T }]);
    });

    it('get_groups_with_undeleted_messages: a kicked member still counts, a member who left does not, an empty group is never listed', async () => {
      const [a, b, c, d] = [userId(), userId(), userId(), userId()];
      const kicked = (await groupWith([a, b], [T + 1])).group;
      await deleteBefore(kicked.groupId, a, T + 5);
      await s.updateMemberState(kicked.groupId, b, { kicked: true, lastUpdatedTime: T + 6 });
      const left = (await groupWith([c, d], [T + 1])).group;
      await deleteBefore(left.groupId, c, T + 7);
      expect(await s.removeMember(left.groupId, d, T + 8)).toBe(true);
      const empty = (await groupWith([userId()], [T + 1])).group;
      await s.removeMember(empty.groupId, (await s.getMembers(empty.groupId))[0]!.userId, T + 2);
      expect(await found(kicked.groupId, left.groupId, empty.groupId))
        .toEqual([{ groupId: left.groupId, minDeleteBefore: T + 7, firstMessageTime: T }]);
      await deleteBefore(kicked.groupId, b, T + 3);
      expect(await found(kicked.groupId)).toEqual([{ groupId: kicked.groupId, minDeleteBefore: T + 3, firstMessageTime: T }]);
    });

    it('get_groups_with_undeleted_messages: after a purge the group is not found again until every member deletes further', async () => {
      const [a, b] = [userId(), userId()];
      const { group } = await groupWith([a, b], [T + 1, T + 2, T + 3, T + 4]);
      await deleteBefore(group.groupId, a, T + 3);
      await deleteBefore(group.groupId, b, T + 2);
      await s.purgeMessagesUpTo(group.groupId, T + 2);
      expect(await history(group.groupId, -1)).toEqual([T + 4, T + 3]); // the rows at or before T + 2 are gone
      expect(await found(group.groupId)).toEqual([]);
      await deleteBefore(group.groupId, a, T + 4); // b still at T + 2
      expect(await found(group.groupId)).toEqual([]);
      await deleteBefore(group.groupId, b, T + 3);
      expect(await found(group.groupId)).toEqual([{ groupId: group.groupId, minDeleteBefore: T + 3, firstMessageTime: T + 2 }]);
    });

    it('purges nothing a member can still see: histories and counts past each delete_before stay the same', async () => {
      const [a, b] = [userId(), userId()];
      const { group } = await groupWith([a, b], [T + 1, T + 2, T + 3, T + 4, T + 5]);
      await deleteBefore(group.groupId, a, T + 2);
      await deleteBefore(group.groupId, b, T + 4);
      const before = [await history(group.groupId, T + 2), await history(group.groupId, T + 4),
        await s.countMessagesAfter(group.groupId, T + 2, 100), await s.countMessagesAfter(group.groupId, T + 4, 100)];
      await s.purgeMessagesUpTo(group.groupId, T + 2);
      expect([await history(group.groupId, T + 2), await history(group.groupId, T + 4),
        await s.countMessagesAfter(group.groupId, T + 2, 100), await s.countMessagesAfter(group.groupId, T + 4, 100)]).toEqual(before);
      expect(await s.countMessagesAfter(group.groupId, -1, 100)).toBe(3); // the group's own total drops
    });

    it('purges across message buckets, and again idempotently (a rerun after a crash); the floor never moves back', async () => {
      const [a] = [userId()];
      const times = [T + 1, T + 12 * DAY, T + 25 * DAY, T + 25 * DAY + 5, T + 41 * DAY];
      const { group, messages } = await groupWith([a], times);
      await deleteBefore(group.groupId, a, T + 25 * DAY + 2);
      await s.purgeMessagesUpTo(group.groupId, T + 25 * DAY);
      expect(await history(group.groupId, -1)).toEqual([T + 41 * DAY, T + 25 * DAY + 5]);
      await s.purgeMessagesUpTo(group.groupId, T + 25 * DAY);
      await s.purgeMessagesUpTo(group.groupId, T + 3 * DAY); // an older purge: nothing changes, the floor stays
      expect(await history(group.groupId, -1)).toEqual([T + 41 * DAY, T + 25 * DAY + 5]);
      expect(await s.getMessage(group.groupId, messages[2]!.messageId)).toBeNull();
      expect(await found(group.groupId)).toEqual([{ groupId: group.groupId, minDeleteBefore: T + 25 * DAY + 2,
        firstMessageTime: T + 25 * DAY }]);
      await s.purgeMessagesUpTo(group.groupId, T + 25 * DAY + 2);
      expect(await found(group.groupId)).toEqual([]);
      expect(await s.getGroup(group.groupId)).toMatchObject({ lastMessageTime: T + 41 * DAY });
    });

    it('purges the attachment records of purged messages (listed or not) everywhere, again idempotently; a newer one stays', async () => {
      const [a] = [userId()];
      const { group, messages } = await groupWith([a], [T + 1, T + 2, T + 3]);
      const g = group.groupId;
      const record = (m: Message, messageType: string): Attachment => ({ groupId: g, messageId: m.messageId, senderId: a,
        fileId: `file-${randomUUID()}`, messageType, payload: '{"status":1}', createdAt: m.createdAt, updatedAt: m.createdAt + 1 });
      const [image, audio, newer] = [record(messages[0]!, 'image'), record(messages[1]!, 'audio'), record(messages[2]!, 'video')];
      for (const r of [image, audio, newer]) await s.saveAttachment(r, r !== audio);
      const byTime = (list: Attachment[]) => [...list].sort((x, y) => x.createdAt - y.createdAt);
      const seen = async () => [await s.getAttachment(g, image.fileId), await s.getAttachment(g, audio.fileId),
        await s.getAttachment(g, newer.fileId), await s.listAttachments(g, { floor: -1, limit: 10 }),
        await s.countAttachmentsAfter(g, -1, 10), byTime(await s.userAttachments(a)), byTime(await s.userAttachments(a, g))];
      expect(await seen()).toEqual([image, audio, newer, [newer, image], 2, [image, audio, newer], [image, audio, newer]]);
      await deleteBefore(g, a, T + 2);
      await s.purgeMessagesUpTo(g, T + 2);
      const after = [null, null, newer, [newer], 1, [newer], [newer]];
      expect(await seen()).toEqual(after);
      await s.purgeMessagesUpTo(g, T + 2);
      expect(await seen()).toEqual(after);
    });

    it('purges only the group named; an unknown or malformed group id is no error', async () => {
      const [a, b] = [userId(), userId()];
      const one = await groupWith([a], [T + 1, T + 2]);
      const other = await groupWith([b], [T + 1, T + 2]);
      await s.purgeMessagesUpTo(one.group.groupId, T + 2);
      expect(await history(one.group.groupId, -1)).toEqual([]);
      expect(await history(other.group.groupId, -1)).toEqual([T + 2, T + 1]);
      await s.purgeMessagesUpTo(randomUUID(), T + 2);
      await s.purgeMessagesUpTo('not-a-group', T + 2);
    });
  });
}
