import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessGroupChanges } from '../../src/changes/in-process.js';
import { loadConfig } from '../../src/config.js';
import { Dino } from '../../src/core/dino.js';
import { ErrorCode } from '../../src/core/errors.js';
import { InProcessQueue } from '../../src/queue/in-process.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';

/**
 * The README's promise for a 503: nothing was written, retry. The queue here is the real in-process adapter with a
 * tiny recipient cap and no consumer, so after the first broadcast every further one is refused (621), as it is
 * when the fan-out falls behind in production.
 */
describe('a change whose event cannot be queued leaves nothing behind', () => {
  const [alice, bob, carol] = [101, 102, 103];
  let storage: SqliteStorage;
  let queue: InProcessQueue;
  let dino: Dino;
  let groupId: string;

  beforeAll(async () => {
    storage = SqliteStorage.open(mkdtempSync(join(tmpdir(), 'dino-failed-')));
    queue = new InProcessQueue({ ...loadConfig({}).queue, maxRecipients: 3 });
    dino = new Dino({ storage, queue, changes: new InProcessGroupChanges() }, { maxEventBytes: 1024 * 1024, readReceiptMaxMembers: 2, unreadCacheSize: 0 });
    ({ group: { groupId } } = await dino.groups.create(alice, { groupName: 'first', users: [bob] }));
  });
  afterAll(async () => {
    await queue.close();
    await storage.close();
  });

  const refused = { code: ErrorCode.QUEUE_UNAVAILABLE };
  const memberIds = async () => (await storage.getMembers(groupId)).map((m) => m.userId).sort();

  it('update: the old fields stay', async () => {
    await expect(dino.groups.update(groupId, { groupName: 'renamed', status: -1 })).rejects.toMatchObject(refused);
    expect(await storage.getGroup(groupId)).toMatchObject({ name: 'first', status: 0 });
  });

  it('join: the joiner is not a member', async () => {
    await expect(dino.groups.join(groupId, [carol])).rejects.toMatchObject(refused);
    expect(await memberIds()).toEqual([alice, bob]);
    expect(await storage.getMembership(groupId, carol)).toBeNull();
  });

  it('leave: the member stays', async () => {
    await expect(dino.groups.leave(groupId, bob)).rejects.toMatchObject(refused);
    expect(await memberIds()).toEqual([alice, bob]);
  });

  it('send: no message is kept', async () => {
    await expect(dino.messages.sendToGroup(groupId, alice, { messagePayload: 'hi', messageType: 'text' }))
      .rejects.toMatchObject(refused);
    expect(await storage.listMessages(groupId, { floor: 0, limit: 10 })).toEqual([]);
  });

  it('create and one-to-one send: no group is left', async () => {
    await expect(dino.groups.create(carol, { groupName: 'second', users: [alice] })).rejects.toMatchObject(refused);
    await expect(dino.messages.sendToUser(carol, bob, { messagePayload: 'hi', messageType: 'text' }))
      .rejects.toMatchObject(refused);
    expect(await storage.listUserGroups(carol, { limit: 10 })).toEqual([]);
    expect((await storage.listUserGroups(alice, { limit: 10 })).map((g) => g.group.groupId)).toEqual([groupId]);
  });
});
