import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeUuidAt } from '../../src/core/ids.js';
import type { Message } from '../../src/core/model.js';
import type { Storage } from '../../src/core/ports/storage.js';

const T = 1_700_000_000_000_000;

/** Reading one message by its id and editing its payload (issue 13), on every adapter. */
export function messageEditsContract(name: string, open: () => Promise<Storage>): void {
  describe(`message edits contract: ${name}`, () => {
    let s: Storage;
    beforeAll(async () => {
      s = await open();
    });
    afterAll(async () => {
      await s?.close();
    });

    async function stored(at: number): Promise<Message> {
      const sender = randomInt(1, 2 ** 47);
      const group = { groupId: randomUUID(), name: 'g', description: null, status: 0, groupType: 0, ownerId: sender,
        meta: null, createdAt: T, updatedAt: T, lastMessageTime: T, lastMessageId: null, lastMessageUserId: null,
        lastMessageType: null, lastMessageOverview: null };
      await s.createGroup(group, [{ userId: sender, joinTime: T }]);
      const message = { groupId: group.groupId, messageId: timeUuidAt(at, 7, randomBytes(6)), senderId: sender,
        payload: 'before', messageType: 'text', createdAt: at };
      await s.saveMessage(message);
      return message;
    }

    it('reads one message by its id; none for an unknown id, group or malformed id', async () => {
      const m = await stored(T + 1000);
      expect(await s.getMessage(m.groupId, m.messageId)).toEqual(m);
      expect(await s.getMessage(m.groupId, timeUuidAt(T + 1000, 8, randomBytes(6)))).toBeNull();
      expect(await s.getMessage(randomUUID(), m.messageId)).toBeNull();
      expect(await s.getMessage(m.groupId, 'not-an-id')).toBeNull();
      expect(await s.getMessage(m.groupId, randomUUID())).toBeNull(); // a UUID, but not a time-based one
      expect(await s.editMessage(m.groupId, randomUUID(), 'x')).toBe(false);
    });

    it('edits the payload in place: the history shows the new one; nothing else changes', async () => {
      const m = await stored(T + 2000);
      expect(await s.editMessage(m.groupId, m.messageId, 'after ✓')).toBe(true);
      expect(await s.getMessage(m.groupId, m.messageId)).toEqual({ ...m, payload: 'after ✓' });
      expect(await s.listMessages(m.groupId, { floor: 0, limit: 10 })).toEqual([{ ...m, payload: 'after ✓' }]);
    });

    it('edits no message that does not exist (a deleted one included) and creates none', async () => {
      const m = await stored(T + 3000);
      await s.deleteMessage(m.groupId, m.messageId);
      expect(await s.editMessage(m.groupId, m.messageId, 'ghost')).toBe(false);
      expect(await s.getMessage(m.groupId, m.messageId)).toBeNull();
      expect(await s.listMessages(m.groupId, { floor: 0, until: T + 10_000, limit: 10 })).toEqual([]);
    });
  });
}
