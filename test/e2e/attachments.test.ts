import { describe, expect, it } from 'vitest';
import { storageBackends } from '../support/backends.js';
import { afterEverythingSent, chatSuite, ChatApi, newUser, suiteApps } from '../support/chat-api.js';
import { api, type DinoProcess } from '../support/dino-process.js';

/**
 * Attachments (the original's §5.8: test_functional.py's attachment lines, test_count_attachments.py,
 * test_delete_attachments.py, test_send_attachments.py), on both storages, events seen by real MQTT clients.
 * Dino keeps no attachment count cache (see MessageEdits.count): the *_in_cache lines check the counts themselves.
 */
describe.each(await storageBackends())('attachments with $name storage', (backend) => {
  let dino: DinoProcess;
  let c: ChatApi;
  chatSuite(() => backend.env(), (chat, started) => {
    [c, dino] = [chat, started];
  });
  const connect = suiteApps(() => dino);

  /** An app's placeholder: a normal send of an attachment type. */
  const placeholder = (g: string, u: number, type: string | number = 'image') =>
    c.call('POST', `/v1/groups/${g}/user/${u}/send`, { message_payload: '{"status":0}', message_type: type });
  const processed = (fileId: string) => JSON.stringify({ file_id: fileId, status: 1 });
  /** The backend's create-attachment call for a placeholder of `u` in `g`. */
  const attach = (u: number, g: string, mid: string, fileId = `f-${crypto.randomUUID()}`, extra: Record<string, unknown> = {}) =>
    c.call('POST', `/v1/users/${u}/message/${mid}/attachment`, { group_id: g, file_id: fileId, message_payload: processed(fileId), ...extra });
  /** Placeholder + create: the attachment. */
  const attachment = async (g: string, u: number, type: string | number = 'image') => attach(u, g, (await placeholder(g, u, type)).message_id);
  const byFile = (g: string, fileId: string) => api(dino.base, 'POST', `/v1/groups/${g}/attachment`, { file_id: fileId });
  const listed = async (g: string, u: number) =>
    (await c.call('POST', `/v1/groups/${g}/user/${u}/attachments`, { per_page: 100 })) as any[];
  const count = async (g: string, u: number) =>
    (await c.call('POST', `/v1/groups/${g}/user/${u}/count`, { only_attachments: true })).message_count as number;
  const stats = async (g: string, u: number) => (await c.state(g, u)).stats;
  const group = (g: string) => c.call('GET', `/v1/groups/${g}`);
  const payloads = async (g: string, u: number) => (await c.open(g, u)).map((m) => JSON.parse(m.message_payload));

  it('last_updated_at_not_changed_on_create_attachment: sending the image placeholder increases last_updated_time (as the original)', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = await c.create(u, [o]);
    const before = (await stats(g, o)).last_updated_time;
    await placeholder(g, u);
    await c.settles('moved by the placeholder', async () => (await stats(g, o)).last_updated_time > before, true);
  });

  it('last_updated_at_changed_on_update_attachment: creating the attachment for an image placeholder increases it', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = await c.create(u, [o]);
    const sent = await placeholder(g, u);
    await c.settles('placeholder applied', async () => (await group(g)).last_message_id, sent.message_id);
    const before = (await stats(g, o)).last_updated_time;
    const created = await attach(u, g, sent.message_id);
    await c.settles('moved by the attachment', async () => (await stats(g, o)).last_updated_time, created.updated_at);
    expect(created.updated_at).toBeGreaterThan(before);
  });

  it('update_attachment: the placeholder gives 1 message and 0 attachments; then 1 message and 1 attachment with its id', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = await c.create(u, [o]);
    const sent = await placeholder(g, u);
    expect(await c.open(g, o)).toHaveLength(1);
    expect(await listed(g, o)).toEqual([]);
    const created = await attach(u, g, sent.message_id, 'file-1');
    expect(created).toMatchObject({ group_id: g, message_id: sent.message_id, user_id: u, message_type: 'image',
      created_at: sent.created_at, file_id: 'file-1', message_payload: processed('file-1') });
    expect(created.updated_at).not.toBe(created.created_at);
    expect((await c.open(g, o)).map((m) => m.message_id)).toEqual([sent.message_id]);
    expect(await listed(g, o)).toEqual([created]);
  });

  it('create_attachment_updates_group_overview: last_message_overview changes; the history still has 1 message', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = await c.create(u, [o]);
    const sent = await placeholder(g, u);
    await c.settles('placeholder overview', async () => (await group(g)).last_message_overview, '{"status":0}');
    await attach(u, g, sent.message_id, 'over');
    await c.settles('attachment overview', async () => (await group(g)).last_message_overview, processed('over'));
    expect((await c.open(g, o)).map((m) => m.message_payload)).toEqual([processed('over')]);
  });

  it('an attachment processed after a newer message leaves that message the group\'s last (derived state only moves forward)', async () => {
    const u = newUser();
    const g = await c.create(u);
    const sent = await placeholder(g, u);
    const text = await c.send(g, u, 'later');
    await attach(u, g, sent.message_id);
    await c.settles('the text stays last', async () => (await group(g)).last_message_id, text.message_id);
    expect((await group(g)).last_message_overview).toBe('later');
  });

  it('get_attachment_from_file_id_returns_no_such_attachment: a placeholder without an attachment → 603', async () => {
    const u = newUser();
    const g = await c.create(u);
    await placeholder(g, u);
    expect(await byFile(g, 'never-created')).toMatchObject({ status: 400, body: { code: 603 } });
  });

  it('get_attachment_from_file_id_returns_no_such_group: an unknown group → 601', async () => {
    expect(await byFile(crypto.randomUUID(), 'x')).toMatchObject({ status: 400, body: { code: 601 } });
  });

  it('get_attachment_from_file_id_returns_ok: a payload containing the file_id, with message_type 3', async () => {
    const u = newUser();
    const g = await c.create(u);
    const created = await attach(u, g, (await placeholder(g, u, 3)).message_id, 'file-ok');
    const found = await byFile(g, 'file-ok');
    expect(found.status).toBe(200);
    expect(found.body).toEqual(created);
    expect(found.body).toMatchObject({ message_type: '3', file_id: 'file-ok' });
    expect(JSON.parse(found.body.message_payload).file_id).toBe('file-ok');
  });

  it('the attachment event goes to every member, the author included, with the new payload and file_id', async () => {
    const [u, o] = [newUser(), newUser()];
    const [appU, appO] = [await connect(u), await connect(o)];
    const g = await c.create(u, [o]);
    const created = await attachment(g, u, 'video');
    for (const app of [appU, appO]) {
      const [event] = await app.waitFor((e) => e.event_type === 'attachment');
      expect(event).toEqual({ event_type: 'attachment', group_id: g, sender_id: u, message_id: created.message_id,
        message_payload: created.message_payload, message_type: 'video', created_at: created.created_at,
        file_id: created.file_id, updated_at: created.updated_at });
    }
  });

  it('creates by receiver_id in the pair\'s one-to-one', async () => {
    const [u, o] = [newUser(), newUser()];
    const sent = await c.call('POST', `/v1/users/${u}/send`, { receiver_id: o, message_payload: '{}', message_type: 'image' });
    const created = await c.call('POST', `/v1/users/${u}/message/${sent.message_id}/attachment`,
      { receiver_id: o, file_id: 'pair-file', message_payload: processed('pair-file'), created_at: sent.created_at });
    expect(created).toMatchObject({ group_id: sent.group_id, file_id: 'pair-file' });
    expect((await byFile(sent.group_id, 'pair-file')).body.message_id).toBe(sent.message_id);
  });

  it('refuses 605 (group_id and receiver_id: both, neither; a file_id of another attachment), 601, 602 and writes nothing', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = await c.create(u, [o]);
    const sent = await placeholder(g, u);
    const other = await attachment(g, u);
    const text = await c.send(g, u, 'plain text');
    const create = (who: number, mid: string, body: Record<string, unknown>) =>
      api(dino.base, 'POST', `/v1/users/${who}/message/${mid}/attachment`, { file_id: 'new-file', message_payload: 'changed', ...body });
    const both = await create(u, sent.message_id, { group_id: g, receiver_id: o });
    expect(both).toMatchObject({ status: 400, body: { code: 605 } });
    expect(both.body.detail).toContain('group_id');
    expect(await create(u, sent.message_id, {})).toMatchObject({ status: 400, body: { code: 605 } });
    const taken = await create(u, sent.message_id, { group_id: g, file_id: other.file_id });
    expect(taken).toMatchObject({ status: 400, body: { code: 605 } });
    expect(taken.body.detail).toContain('file_id');
    expect(await create(u, sent.message_id, { group_id: crypto.randomUUID() })).toMatchObject({ status: 400, body: { code: 601 } });
    expect(await create(o, sent.message_id, { group_id: g })).toMatchObject({ status: 400, body: { code: 602 } }); // not the author
    expect(await create(u, text.message_id, { group_id: g })).toMatchObject({ status: 400, body: { code: 602 } }); // no placeholder
    expect(await create(u, crypto.randomUUID(), { group_id: g })).toMatchObject({ status: 400, body: { code: 602 } });
    expect(await create(u, sent.message_id, { group_id: g, file_id: '' })).toMatchObject({ status: 400, body: { code: 605 } });
    // Nothing of it was written: the placeholder and the text keep their payloads; one attachment, the other's.
    expect((await c.open(g, o)).map((m) => m.message_payload)).toEqual(['plain text', other.message_payload, '{"status":0}']);
    expect(await byFile(g, 'new-file')).toMatchObject({ status: 400, body: { code: 603 } });
    expect(await listed(g, o)).toEqual([other]);
  });

  it('send_image_is_in_attachment_list, send_video_is_in_attachment_list: listed with their types, newest first', async () => {
    const u = newUser();
    const g = await c.create(u);
    const image = await attachment(g, u, 'image');
    const video = await attachment(g, u, 'video');
    expect((await listed(g, u)).map((a) => [a.message_id, a.message_type])).toEqual([[video.message_id, 'video'], [image.message_id, 'image']]);
    const page = await c.call('POST', `/v1/groups/${g}/user/${u}/attachments`, { per_page: 1, until: video.created_at });
    expect(page.map((a: any) => a.message_id)).toEqual([image.message_id]);
  });

  it('send_audio_is_not_in_attachment_list: audio (and 10) is found by file id and stays in the history, but is not listed', async () => {
    const u = newUser();
    const g = await c.create(u);
    const audio = await attachment(g, u, 'audio');
    const ten = await attachment(g, u, 10);
    expect(await listed(g, u)).toEqual([]);
    expect(await count(g, u)).toBe(0);
    expect((await byFile(g, audio.file_id)).body).toEqual(audio);
    expect((await c.open(g, u)).map((m) => m.message_id)).toEqual([ten.message_id, audio.message_id]);
  });

  it('lists a member\'s attachments after its delete_before; 600 for a stranger, 606 for a kicked member, 601 for no group', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = await c.create(u, [o]);
    const first = await attachment(g, u);
    const second = await attachment(g, u);
    await c.update(g, o, { delete_before: first.created_at });
    expect((await listed(g, o)).map((a) => a.message_id)).toEqual([second.message_id]);
    const list = (who: number, gid = g) => api(dino.base, 'POST', `/v1/groups/${gid}/user/${who}/attachments`, { per_page: 10 });
    expect(await list(newUser())).toMatchObject({ status: 400, body: { code: 600 } });
    expect(await list(u, crypto.randomUUID())).toMatchObject({ status: 400, body: { code: 601 } });
    await c.update(g, o, { kicked: true });
    expect(await list(o)).toMatchObject({ status: 400, body: { code: 606 } });
  });

  it('count_increases: /count with only_attachments goes 0 → 1 after image + create-attachment', async () => {
    const u = newUser();
    const g = await c.create(u);
    expect(await count(g, u)).toBe(0);
    await attachment(g, u);
    expect(await count(g, u)).toBe(1);
  });

  it('count_increases_in_cache (no cache in Dino): a placeholder is no attachment; the create is counted at once', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = await c.create(u, [o]);
    const sent = await placeholder(g, u);
    expect(await count(g, o)).toBe(0);
    await attach(u, g, sent.message_id);
    expect([await count(g, o), await count(g, u)]).toEqual([1, 1]);
    expect((await c.call('POST', `/v1/groups/${g}/user/${o}/count`, {})).message_count).toBe(1); // messages: the placeholder
  });

  it('count_removed_in_cache_when_removing_attachment: deleting by file_id takes it out of the count', async () => {
    const u = newUser();
    const g = await c.create(u);
    const created = await attachment(g, u);
    expect(await count(g, u)).toBe(1);
    await c.call('DELETE', `/v1/groups/${g}/attachment`, { file_id: created.file_id });
    expect(await count(g, u)).toBe(0);
  });

  it('count_removed_in_cache_when_updating_delete_before: a delete_before after the attachment counts 0', async () => {
    const u = newUser();
    const g = await c.create(u);
    await attachment(g, u);
    expect(await count(g, u)).toBe(1);
    await c.update(g, u, { delete_before: afterEverythingSent() });
    expect(await count(g, u)).toBe(0);
  });

  it('count_multiple_attachments_delete_one_user: both at 3; O\'s delete_before changes only O\'s count', async () => {
    const [u, o] = [newUser(), newUser()];
    const g = await c.create(u, [o]);
    for (let i = 0; i < 3; i++) await attachment(g, i === 1 ? o : u);
    expect([await count(g, u), await count(g, o)]).toEqual([3, 3]);
    await c.update(g, o, { delete_before: afterEverythingSent() });
    expect([await count(g, u), await count(g, o)]).toEqual([3, 0]);
  });

  it('payload_status_updated, delete_one_attachment: after the delete 603, the message stays with payload status -2; delete_attachment event', async () => {
    const [u, o] = [newUser(), newUser()];
    const appO = await connect(o);
    const g = await c.create(u, [o]);
    const created = await attachment(g, u);
    expect((await payloads(g, o))[0].status).toBe(1);
    const removed = await c.call('DELETE', `/v1/groups/${g}/attachment`, { file_id: created.file_id });
    expect(removed).toEqual({ group_id: g, message_ids: [created.message_id], file_ids: [created.file_id] });
    expect(await byFile(g, created.file_id)).toMatchObject({ status: 400, body: { code: 603 } });
    expect(await payloads(g, o)).toEqual([{ file_id: created.file_id, status: -2 }]);
    const [event] = await appO.waitFor((e) => e.event_type === 'delete_attachment');
    expect(event).toEqual({ event_type: 'delete_attachment', created_at: expect.any(Number), group_id: g,
      message_ids: [created.message_id], file_ids: [created.file_id] });
    // Again: no such attachment any more, and nothing changes.
    expect(await api(dino.base, 'DELETE', `/v1/groups/${g}/attachment`, { file_id: created.file_id })).toMatchObject({ status: 400, body: { code: 603 } });
  });

  it('a removal with status and an action_log; a payload that is not JSON is kept as it is', async () => {
    const u = newUser();
    const g = await c.create(u);
    const sent = await placeholder(g, u);
    await c.call('POST', `/v1/users/${u}/message/${sent.message_id}/attachment`, { group_id: g, file_id: 'plain', message_payload: 'not json' });
    const removed = await c.call('DELETE', `/v1/groups/${g}/attachment`, { file_id: 'plain', status: -1, action_log: { payload: 'u removed a file', user_id: u } });
    expect(removed.action_log).toMatchObject({ user_id: u, message_type: 'action_log', message_payload: 'u removed a file' });
    expect((await c.open(g, u)).map((m) => m.message_payload)).toEqual(['u removed a file', 'not json']);
    const other = await attachment(g, u);
    await c.call('DELETE', `/v1/groups/${g}/attachment`, { file_id: other.file_id, status: -1 });
    expect(JSON.parse((await c.open(g, u))[0].message_payload)).toEqual({ file_id: other.file_id, status: -1 });
    expect(await api(dino.base, 'DELETE', `/v1/groups/${g}/attachment`, {})).toMatchObject({ status: 400, body: { code: 605 } });
  });

  it('delete_all_attachments_in_one_group_for_user, delete_video, delete_image, delete_attachments_audio_ignored: all of U\'s go (audio too), O\'s stay, every message stays', async () => {
    const [u, o] = [newUser(), newUser()];
    const appO = await connect(o);
    const g = await c.create(u, [o]);
    const mine = [await attachment(g, u, 'image'), await attachment(g, u, 'video'), await attachment(g, u, 'audio')];
    const theirs = await attachment(g, o, 'image');
    const removed = await c.call('DELETE', `/v1/groups/${g}/user/${u}/attachments`, {});
    expect(new Set(removed.file_ids)).toEqual(new Set(mine.map((a) => a.file_id)));
    for (const a of mine) expect(await byFile(g, a.file_id)).toMatchObject({ status: 400, body: { code: 603 } });
    expect(await listed(g, o)).toEqual([theirs]);
    expect((await payloads(g, o)).map((p) => p.status)).toEqual([1, -2, -2, -2]);
    const [event] = await appO.waitFor((e) => e.event_type === 'delete_attachment');
    expect(new Set(event.message_ids)).toEqual(new Set(mine.map((a) => a.message_id)));
    // Nothing left: no event, empty lists.
    expect(await c.call('DELETE', `/v1/groups/${g}/user/${u}/attachments`)).toEqual({ group_id: g, message_ids: [], file_ids: [] });
    expect(await api(dino.base, 'DELETE', `/v1/groups/${crypto.randomUUID()}/user/${u}/attachments`)).toMatchObject({ status: 400, body: { code: 601 } });
  });

  it('delete_all_attachments_in_all_groups_for_user_with_action_logs: only U\'s go, O\'s remain; one event and one action log per group', async () => {
    const [u, o] = [newUser(), newUser()];
    const appO = await connect(o);
    const groups = [await c.create(u, [o]), await c.create(o, [u])];
    const mine = [];
    const theirs = [];
    for (const g of groups) {
      mine.push(await attachment(g, u), await attachment(g, u));
      theirs.push(await attachment(g, o));
    }
    const answer = await c.call('DELETE', `/v1/user/${u}/attachments`, { action_log: { payload: 'u cleared files' } });
    expect(answer.groups.map((r: any) => r.group_id).sort()).toEqual([...groups].sort());
    expect(answer.action_logs.map((l: any) => [l.user_id, l.message_payload])).toEqual([[u, 'u cleared files'], [u, 'u cleared files']]);
    for (const a of mine) expect(await byFile(a.group_id, a.file_id)).toMatchObject({ status: 400, body: { code: 603 } });
    for (const a of theirs) expect((await byFile(a.group_id, a.file_id)).body).toEqual(a);
    const events = await appO.waitFor((e) => e.event_type === 'delete_attachment', 2);
    expect(events.map((e) => e.group_id).sort()).toEqual([...groups].sort());
    expect(events.every((e) => e.message_ids.length === 2)).toBe(true);
    expect(await c.call('DELETE', `/v1/user/${u}/attachments`)).toEqual({ groups: [], action_logs: [] });
  });
});
