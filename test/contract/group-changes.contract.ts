import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
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
  });
}
