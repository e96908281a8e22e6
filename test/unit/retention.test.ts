import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { timeUuidAt } from '../../src/core/ids.js';
import type { UndeletedMessages } from '../../src/core/ports/index.js';
import { runRetention } from '../../src/core/retention.js';
import type { Micros } from '../../src/core/time.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';

/** A real SQLite store whose purges are watched: how many run at once, and which group's fails. */
class WatchedStorage extends SqliteStorage {
  running = 0;
  mostAtOnce = 0;
  failFor = new Set<string>();

  override async purgeMessagesUpTo(groupId: string, upTo: Micros): Promise<void> {
    this.mostAtOnce = Math.max(this.mostAtOnce, ++this.running);
    try {
      await new Promise(setImmediate); // lets the other workers start theirs
      if (this.failFor.has(groupId)) throw new Error('disk full');
      await super.purgeMessagesUpTo(groupId, upTo);
    } finally {
      this.running--;
    }
  }
}

const T = 1_700_000_000_000_000;
const SECOND = 1_000_000;

describe('the retention pass (core/retention.ts) on a real SQLite store', () => {
  let dir: string;
  let s: WatchedStorage;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dino-retention-'));
    s = new WatchedStorage(join(dir, 'dino.sqlite'));
  });
  afterEach(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A one-member group created at T with a message at T + 1 s, which its member deleted up to `deleteBefore`. */
  async function deletedGroup(user: number, deleteBefore: Micros): Promise<string> {
    const groupId = randomUUID();
    await s.createGroup({ groupId, name: 'g', description: null, status: 0, groupType: 0, ownerId: user, meta: null,
      createdAt: T, updatedAt: T, lastMessageTime: T, lastMessageId: null, lastMessageUserId: null, lastMessageType: null,
      lastMessageOverview: null }, [{ userId: user, joinTime: T }]);
    await s.saveMessage({ groupId, messageId: timeUuidAt(T + SECOND, 1, new Uint8Array(6)), senderId: user, payload: 'x',
      messageType: 'text', createdAt: T + SECOND });
    await s.updateMemberState(groupId, user, { deleteBefore, deleted: true, lastUpdatedTime: T + 3 * SECOND });
    return groupId;
  }

  it('purges at most `concurrency` groups at once, goes on past a failed one and counts it', async () => {
    const groups = await Promise.all(Array.from({ length: 12 }, (_, i) => deletedGroup(i + 1, T + 2 * SECOND)));
    s.failFor.add(groups[5]!);
    const seen: string[] = [];
    const failed: string[] = [];
    const totals = await runRetention(s, { dryRun: false, concurrency: 3 },
      { group: (c) => seen.push(c.groupId), failed: (c) => failed.push(c.groupId) });
    expect(totals).toEqual({ groups: 12, purged: 11, failed: 1 });
    expect(s.mostAtOnce).toBe(3);
    expect(failed).toEqual([groups[5]]);
    expect(seen.sort()).toEqual([...groups].sort());
    // The failed group is listed again by the next pass; the others are done.
    const left: UndeletedMessages[] = [];
    for await (const c of s.groupsWithUndeletedMessages()) left.push(c);
    expect(left.map((c) => c.groupId)).toEqual([groups[5]]);
  });

  it('purges up to now at most (a delete_before set ahead), and nothing at all in a dry run', async () => {
    const groupId = await deletedGroup(7, T + 3600 * SECOND);
    const upTos: Micros[] = [];
    const report = { group: (_: UndeletedMessages, upTo: Micros) => upTos.push(upTo), failed: () => undefined };
    expect(await runRetention(s, { dryRun: true, concurrency: 4, now: T + 2 * SECOND }, report))
      .toEqual({ groups: 1, purged: 0, failed: 0 });
    expect(await s.countMessagesAfter(groupId, -1, 10)).toBe(1);
    expect(await runRetention(s, { dryRun: false, concurrency: 4, now: T + 2 * SECOND }, report))
      .toEqual({ groups: 1, purged: 1, failed: 0 });
    expect(upTos).toEqual([T + 2 * SECOND, T + 2 * SECOND]);
    expect(await s.countMessagesAfter(groupId, -1, 10)).toBe(0);
  });
});
