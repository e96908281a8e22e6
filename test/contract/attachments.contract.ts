import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeUuidAt } from '../../src/core/ids.js';
import type { Attachment, Group, Message } from '../../src/core/model.js';
import type { Activity, Storage } from '../../src/core/ports/storage.js';
import type { Micros } from '../../src/core/time.js';

const T = 1_700_000_000_000_000;

/** Attachment records (issue 13, the original's §5.8) and message revisions (`Activity.revisions`), on every adapter. */
export function attachmentsContract(name: string, open: () => Promise<Storage>): void {
  describe(`attachments contract: ${name}`, () => {
    let s: Storage;
    beforeAll(async () => {
      s = await open();
    });
    afterAll(async () => {
      await s?.close();
    });

    async function newGroup(): Promise<Group> {
      const group = { groupId: randomUUID(), name: 'g', description: null, status: 0, groupType: 0, ownerId: null,
        meta: null, createdAt: T, updatedAt: T, lastMessageTime: T, lastMessageId: null, lastMessageUserId: null,
        lastMessageType: null, lastMessageOverview: null };
      await s.createGroup(group, []);
      return group;
    }
    /** A stored placeholder message at `at` and its attachment record (not stored). */
    async function placeholder(groupId: string, senderId: number, at: Micros, type = 'image'): Promise<Attachment> {
      const messageId = timeUuidAt(at, randomInt(0x4000), randomBytes(6));
      await s.saveMessage({ groupId, messageId, senderId, payload: 'pending', messageType: type, createdAt: at });
      return { groupId, messageId, senderId, payload: '{"status":1}', messageType: type, createdAt: at,
        fileId: `file-${randomUUID()}`, updatedAt: at + 5000 };
    }
    const sender = () => randomInt(1, 2 ** 47);

    it('stores a record and finds it by file id; nothing for an unknown file id or group', async () => {
      const g = await newGroup();
      const a = await placeholder(g.groupId, sender(), T + 1000);
      await s.saveAttachment(a, true);
      expect(await s.getAttachment(g.groupId, a.fileId)).toEqual(a);
      expect(await s.getAttachment(g.groupId, 'no-such-file')).toBeNull();
      expect(await s.getAttachment(randomUUID(), a.fileId)).toBeNull();
      expect(await s.getAttachment('not-a-uuid', a.fileId)).toBeNull();
    });

    it('attaches to a message: its payload becomes the attachment\'s and the record is saved; nothing for a message that is gone', async () => {
      const g = await newGroup();
      const a = await placeholder(g.groupId, sender(), T + 1500);
      expect(await s.attachToMessage(a, true)).toBe(true);
      expect((await s.getMessage(g.groupId, a.messageId))!.payload).toBe(a.payload);
      expect(await s.getAttachment(g.groupId, a.fileId)).toEqual(a);
      const gone = { ...a, messageId: timeUuidAt(T + 1600, 1, randomBytes(6)), fileId: `file-${randomUUID()}` };
      expect(await s.attachToMessage(gone, true)).toBe(false);
      expect(await s.getAttachment(g.groupId, gone.fileId)).toBeNull();
      expect(await s.getMessage(g.groupId, gone.messageId)).toBeNull();
    });

    it('lists listed records newest first within the bounds and above the floor; unlisted ones only by file id and sender', async () => {
      const g = await newGroup();
      const u = sender();
      const [a1, a2, a3] = [await placeholder(g.groupId, u, T + 1000), await placeholder(g.groupId, u, T + 2000),
        await placeholder(g.groupId, u, T + 3000, 'video')];
      const audio = await placeholder(g.groupId, u, T + 4000, 'audio');
      for (const a of [a1!, a2!, a3!]) await s.saveAttachment(a, true);
      await s.saveAttachment(audio, false);
      expect(await s.listAttachments(g.groupId, { floor: 0, limit: 10 })).toEqual([a3, a2, a1]);
      expect(await s.listAttachments(g.groupId, { floor: 0, limit: 2 })).toEqual([a3, a2]);
      expect(await s.listAttachments(g.groupId, { floor: 0, until: T + 3000, limit: 10 })).toEqual([a2, a1]);
      expect(await s.listAttachments(g.groupId, { floor: 0, since: T + 1000, limit: 2 })).toEqual([a2, a1]);
      expect(await s.listAttachments(g.groupId, { floor: T + 1000, limit: 10 })).toEqual([a3, a2]);
      expect(await s.countAttachmentsAfter(g.groupId, 0, 100)).toBe(3);
      expect(await s.countAttachmentsAfter(g.groupId, T + 1000, 100)).toBe(2);
      expect(await s.countAttachmentsAfter(g.groupId, 0, 2)).toBe(2);
      expect(await s.getAttachment(g.groupId, audio.fileId)).toEqual(audio);
      expect(await s.listAttachments(randomUUID(), { floor: 0, limit: 10 })).toEqual([]);
      expect(await s.countAttachmentsAfter(randomUUID(), 0, 100)).toBe(0);
    });

    it('finds a sender\'s records (listed or not) in one group or in all', async () => {
      const [g1, g2] = [await newGroup(), await newGroup()];
      const [u, o] = [sender(), sender()];
      const mine = [await placeholder(g1.groupId, u, T + 1000), await placeholder(g1.groupId, u, T + 2000, 'audio'),
        await placeholder(g2.groupId, u, T + 3000)];
      const theirs = await placeholder(g1.groupId, o, T + 4000);
      for (const a of [...mine, theirs]) await s.saveAttachment(a, a.messageType !== 'audio');
      const byTime = (list: Attachment[]) => [...list].sort((a, b) => a.createdAt - b.createdAt);
      expect(byTime(await s.userAttachments(u))).toEqual(mine);
      expect(byTime(await s.userAttachments(u, g1.groupId))).toEqual(mine.slice(0, 2));
      expect(await s.userAttachments(o, g2.groupId)).toEqual([]);
      expect(await s.userAttachments(sender())).toEqual([]);
    });

    it('a new record for the same message replaces the old one: its old file id finds nothing', async () => {
      const g = await newGroup();
      const first = await placeholder(g.groupId, sender(), T + 1000);
      await s.saveAttachment(first, true);
      const second = { ...first, fileId: 'replacement', payload: '{"status":2}', updatedAt: first.updatedAt + 1 };
      await s.saveAttachment(second, true);
      expect(await s.getAttachment(g.groupId, first.fileId)).toBeNull();
      expect(await s.getAttachment(g.groupId, 'replacement')).toEqual(second);
      expect(await s.listAttachments(g.groupId, { floor: 0, limit: 10 })).toEqual([second]);
      expect(await s.userAttachments(first.senderId)).toEqual([second]);
    });

    it('a record saved again unlisted is no longer listed or counted, and found by file id and sender as before', async () => {
      const g = await newGroup();
      const a = await placeholder(g.groupId, sender(), T + 1000);
      await s.saveAttachment(a, true);
      await s.saveAttachment(a, false);
      expect(await s.listAttachments(g.groupId, { floor: 0, limit: 10 })).toEqual([]);
      expect(await s.countAttachmentsAfter(g.groupId, 0, 10)).toBe(0);
      expect([await s.getAttachment(g.groupId, a.fileId), await s.userAttachments(a.senderId)]).toEqual([a, [a]]);
    });

    it('removes a record everywhere (its message stays); removing it again changes nothing', async () => {
      const g = await newGroup();
      const a = await placeholder(g.groupId, sender(), T + 1000);
      await s.saveAttachment(a, true);
      await s.removeAttachment(a);
      await s.removeAttachment(a);
      expect(await s.getAttachment(g.groupId, a.fileId)).toBeNull();
      expect(await s.listAttachments(g.groupId, { floor: 0, limit: 10 })).toEqual([]);
      expect(await s.countAttachmentsAfter(g.groupId, 0, 10)).toBe(0);
      expect(await s.userAttachments(a.senderId)).toEqual([]);
      expect(await s.getMessage(g.groupId, a.messageId)).toMatchObject({ messageId: a.messageId, payload: 'pending' });
    });

    describe('revisions (a placeholder processed) as the projector applies them', () => {
      const revised = (m: Message, payload: string) => ({ ...m, payload });
      const apply = (activity: Partial<Activity>) => s.applyActivity({ lastMessages: [], sends: [], ...activity });
      async function withLast(at: Micros): Promise<{ g: Group; m: Message }> {
        const g = await newGroup();
        const a = await placeholder(g.groupId, sender(), at);
        const m = (await s.getMessage(g.groupId, a.messageId))!;
        await apply({ lastMessages: [m] });
        return { g, m };
      }
      const lastOf = async (groupId: string) => {
        const g = (await s.getGroup(groupId))!;
        return [g.lastMessageId, g.lastMessageOverview, g.updatedAt];
      };

      it('the group\'s last message takes the new payload and updated_at moves forward, never back', async () => {
        const { g, m } = await withLast(T + 1000);
        await apply({ revisions: [{ message: revised(m, 'processed'), at: T + 9000 }] });
        expect(await lastOf(g.groupId)).toEqual([m.messageId, 'processed', T + 9000]);
        await apply({ revisions: [{ message: revised(m, 'processed'), at: T + 5000 }] });
        expect(await lastOf(g.groupId)).toEqual([m.messageId, 'processed', T + 9000]);
      });

      it('a repeat of the message\'s own activity (a replay) does not undo the revision', async () => {
        const { g, m } = await withLast(T + 1000);
        await apply({ revisions: [{ message: revised(m, 'processed'), at: T + 9000 }] });
        await apply({ lastMessages: [m], sends: [{ groupId: g.groupId, userId: m.senderId, at: m.createdAt }] });
        expect(await lastOf(g.groupId)).toEqual([m.messageId, 'processed', T + 9000]);
      });

      it('a message no longer the last stays behind the newer one; only updated_at moves', async () => {
        const { g, m } = await withLast(T + 1000);
        const newer = (await s.getMessage(g.groupId, (await placeholder(g.groupId, sender(), T + 2000, 'text')).messageId))!;
        await apply({ lastMessages: [newer] });
        await apply({ revisions: [{ message: revised(m, 'processed'), at: T + 9000 }] });
        expect(await lastOf(g.groupId)).toEqual([newer.messageId, newer.payload, T + 9000]);
      });

      it('a revision applied before the message itself: the revised one shows, the message\'s own activity after it changes nothing', async () => {
        const g = await newGroup();
        const a = await placeholder(g.groupId, sender(), T + 1000);
        const m = (await s.getMessage(g.groupId, a.messageId))!;
        await apply({ revisions: [{ message: revised(m, 'processed'), at: T + 9000 }] });
        await apply({ lastMessages: [m] });
        expect(await lastOf(g.groupId)).toEqual([m.messageId, 'processed', T + 9000]);
      });
    });
  });
}
