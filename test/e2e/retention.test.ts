import { describe, expect, it } from 'vitest';
import { storageBackends } from '../support/backends.js';
import { chatSuite, ChatApi, newUser } from '../support/chat-api.js';
import { api, runDinoCommand } from '../support/dino-process.js';

/** `dino retention` run as its own process beside a running `dino start`, on both storages (the original's §5.9). */
describe.each(await storageBackends())('dino retention with $name storage', (backend) => {
  let c: ChatApi;
  let env: Record<string, string>;
  chatSuite(() => (env = backend.env()), (chat) => {
    c = chat;
  });

  const retention = async (...flags: string[]) => {
    const { code, lines } = await runDinoCommand(['retention', ...flags], env);
    return { code, logs: lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
  };
  const listed = (logs: Record<string, unknown>[], groupId: string) => logs.filter((l) => l['groupId'] === groupId);
  const messageAmount = async (groupId: string) =>
    (await c.call('POST', `/v1/groups/${groupId}`, { count_messages: true })).message_amount;
  /** What a member is told without opening the conversation (which would mark it read): its unread and message counts. */
  const counts = async (groupId: string, user: number) => ({
    unread: (await c.row(user, groupId, { count_unread: true })).stats.unread,
    count: (await c.call('POST', `/v1/groups/${groupId}/user/${user}/count`, {})).message_count,
  });
  const history = async (groupId: string, user: number) =>
    (await c.open(groupId, user)).map((m: { message_payload: string }) => m.message_payload);

  it('purges the messages every member deleted and nothing a member sees; --dry-run only lists them', async () => {
    const [u, o] = [newUser(), newUser()];
    const [purged, kept] = [await c.create(u, [o]), await c.create(u, [o])];
    for (const group of [purged, kept]) {
      for (const text of ['one', 'two', 'three']) await c.send(group, u, text);
    }
    const bound = (group: string) => c.open(group, u).then((history) => history[0].created_at); // 'three'
    const [purgedBound, keptBound] = [await bound(purged), await bound(kept)];
    await c.update(purged, u, { delete_before: purgedBound });
    await c.update(purged, o, { delete_before: purgedBound });
    await c.update(kept, u, { delete_before: keptBound }); // o never deletes: nothing may go
    await c.send(purged, u, 'four');
    await c.send(purged, u, 'five');
    await c.settles('the last message is projected', async () => (await c.call('GET', `/v1/groups/${purged}`)).last_message_overview, 'five');
    // o's unread count (two) is now kept in the server's memory; it must stay right after the purge.
    expect([await counts(purged, o), await counts(purged, u)]).toEqual([{ unread: 2, count: 2 }, { unread: 0, count: 2 }]);
    expect(await history(purged, u)).toEqual(['five', 'four']);

    const dry = await retention('--dry-run');
    expect(dry.code).toBe(0);
    expect(listed(dry.logs, purged)).toMatchObject([{ msg: 'retention: would purge', upTo: purgedBound, dryRun: true }]);
    expect(listed(dry.logs, kept)).toEqual([]);
    expect(await messageAmount(purged)).toBe(5);

    const run = await retention('--concurrency', '2');
    expect(run.code).toBe(0);
    expect(listed(run.logs, purged)).toMatchObject([{ msg: 'retention: purging', upTo: purgedBound }]);
    expect(run.logs.at(-1)).toMatchObject({ msg: 'retention: pass done', failed: 0, dryRun: false });
    expect(await messageAmount(purged)).toBe(2); // the group's own total counts deleted messages too: it drops
    expect(await messageAmount(kept)).toBe(3);
    expect([await counts(purged, o), await counts(purged, u)]).toEqual([{ unread: 2, count: 2 }, { unread: 0, count: 2 }]);
    expect([await history(purged, o), await history(purged, u)]).toEqual([['five', 'four'], ['five', 'four']]);
    expect([await history(kept, o), await history(kept, u)]).toEqual([['three', 'two', 'one'], []]);

    const again = await retention();
    expect(again.code).toBe(0);
    expect(listed(again.logs, purged)).toEqual([]); // not found again until every member deletes further
  });

  it('purges the attachments of purged messages (an image and an audio one) and keeps a newer one', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = await c.create(u, [o]);
    /** A placeholder of `type` and the backend's create-attachment call for it. */
    const attachment = async (type: string) => {
      const sent = await c.call('POST', `/v1/groups/${g}/user/${u}/send`, { message_payload: '{"status":0}', message_type: type });
      const fileId = `f-${crypto.randomUUID()}`;
      return c.call('POST', `/v1/users/${u}/message/${sent.message_id}/attachment`,
        { group_id: g, file_id: fileId, message_payload: JSON.stringify({ file_id: fileId, status: 1 }) });
    };
    const [image, audio] = [await attachment('image'), await attachment('audio')];
    const bound = (await c.open(g, u))[0].created_at; // the audio placeholder
    for (const user of [u, o]) await c.update(g, user, { delete_before: bound });
    const newer = await attachment('image');
    const byFile = async (a: { file_id: string }) => {
      const { status, body } = await api(c.base, 'POST', `/v1/groups/${g}/attachment`, { file_id: a.file_id });
      return status === 200 ? body.message_id : body.code;
    };
    expect([await byFile(image), await byFile(audio), await byFile(newer)]).toEqual([image.message_id, audio.message_id, newer.message_id]);

    const run = await retention();
    expect(listed(run.logs, g)).toMatchObject([{ msg: 'retention: purging', upTo: bound }]);
    expect([await byFile(image), await byFile(audio), await byFile(newer)]).toEqual([603, 603, newer.message_id]);
    expect((await c.call('POST', `/v1/groups/${g}/user/${o}/attachments`, { per_page: 100 })).map((a: any) => a.file_id))
      .toEqual([newer.file_id]);
  });

  it('exits 1 when the storage cannot be reached', async () => {
    const { code, errors } = await runDinoCommand(['retention'], { ...env, DINO_CASSANDRA_CONTACT_POINTS: '127.0.0.1:1' });
    expect(code).toBe(1);
    expect(errors[0]).toMatch(/^dino: storage unavailable/);
  });
});
