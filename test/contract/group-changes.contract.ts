import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/model.js';
import type { GroupChanges } from '../../src/core/ports/changes.js';
import { until } from '../support/wait.js';

/** `open` returns a new process's view of one shared change feed. */
export function groupChangesContract(name: string, open: () => Promise<GroupChanges>) {
  describe(`group changes contract: ${name}`, () => {
    const opened: GroupChanges[] = [];
    const feed = async () => {
      const f = await open();
      opened.push(f);
      return f;
    };
    afterAll(async () => {
      await Promise.all(opened.map((f) => f.close()));
    });

    it('tells the announcing process before announce resolves', async () => {
      const changes = await feed();
      const seen: Array<string | null> = [];
      changes.subscribe((id) => seen.push(id));
      const id = randomUUID();
      await changes.announce(id);
      expect(seen).toContain(id);
    });

    it('tells every other subscriber of the feed', async () => {
      const [a, b] = [await feed(), await feed()];
      const seen: Array<string | null> = [];
      b.subscribe((id) => seen.push(id));
      await new Promise((r) => setTimeout(r, 100)); // let a new subscriber settle in
      const id = randomUUID();
      await a.announce(id);
      await until(`announcement ${id} on the other subscriber`, () => seen.includes(id), 2000, 10);
      expect(seen).toContain(id);
    });

    it('tells every subscriber the last message a group moved to, whole', async () => {
      const [a, b] = [await feed(), await feed()];
      const heard = (feed: GroupChanges) => {
        const seen: Array<[string | null, Message | undefined]> = [];
        feed.subscribe((id, lastMessage) => seen.push([id, lastMessage]));
        return seen;
      };
      const [byA, byB] = [heard(a), heard(b)];
      await new Promise((r) => setTimeout(r, 100)); // let a new subscriber settle in
      const groupId = randomUUID();
      const message: Message = { groupId, messageId: randomUUID(), senderId: 1_000_000_000_001, messageType: 'text',
        createdAt: 1_597_877_421_453_804, payload: '{"text":"ünïcode ✓","nested":[1,2]}' };
      await a.announce(groupId, message);
      const about = (seen: typeof byA) => seen.filter(([id]) => id === groupId);
      await until(`the moved last message of ${groupId} on both subscribers`, () => about(byA).length > 0 && about(byB).length > 0, 2000, 10);
      for (const told of [...about(byA), ...about(byB)]) expect(told).toEqual([groupId, message]);
    });
  });
}
