import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { api, isRunning } from '../support/dino-process.js';
import { httpCall, type Answer } from '../support/raw-http.js';
import { queueIdle, seededDinoForSuite } from '../support/dino-suite.js';
import { body, brokenRequest, headers, pathParam } from './fuzz-arbitraries.js';

/** The status each error code is answered with (README's errors table). */
const STATUS_OF_CODE: Record<number, number> = {
  600: 400, 601: 400, 602: 400, 603: 400, 605: 400, 606: 400, 607: 400, 610: 401, 611: 404, 612: 413, 613: 409, 614: 415,
};

/** Never a 500, never a hang; every error is the `{code, detail}` envelope with its 4xx status. */
function expectWellFormed(answer: Answer): void {
  expect(answer.status).toBeGreaterThanOrEqual(200);
  expect(answer.status).toBeLessThan(500);
  if (answer.status < 400) return;
  expect(Object.keys(answer.body ?? {}).sort()).toEqual(['code', 'detail']);
  expect(answer.body.detail.startsWith(`${answer.body.code}: `)).toBe(true);
  expect(STATUS_OF_CODE[answer.body.code]).toBe(answer.status);
}

describe('REST API under random input (fast-check)', () => {
  const owner = 51;
  const member = 52;

  const suite = seededDinoForSuite(owner, [member]);

  /**
   * After an accepted request, waits until the queue holds nothing: a send's derived state (group's last message,
   * sender's read mark) is written by the projector when the fan-out handles its entry, after the answer, and must
   * not be taken for a write of the next (refused) request.
   */
  let accepted = true;
  async function settled(): Promise<void> {
    if (!accepted) return;
    await queueIdle(suite.dino);
    accepted = false;
  }

  /** Sends one request; a refused one (4xx) must have written nothing. */
  async function checkedCall(method: string, path: string, requestHeaders: Record<string, string>, text?: string) {
    await settled();
    const before = suite.snapshot();
    const answer = await httpCall(suite.dino.httpPort, method, path, { headers: requestHeaders, body: text, timeoutMs: 10_000 });
    expectWellFormed(answer);
    if (answer.status >= 400) expect(suite.snapshot()).toEqual(before);
    else accepted = true;
    return answer;
  }

  const user = () => pathParam([String(owner), String(member), '1']);
  const group = () => pathParam([suite.groupId, suite.groupId.toUpperCase()]);
  type Params = { u: string; g: string };
  const endpoints: Array<[method: string, path: (p: Params) => string, fields?: string[]]> = [
    ['POST', (p) => `/v1/users/${p.u}/groups/create`, ['group_name', 'users', 'group_type', 'description', 'meta']],
    ['GET', (p) => `/v1/groups/${p.g}`],
    ['PUT', (p) => `/v1/groups/${p.g}`, ['group_name', 'description', 'owner', 'status']],
    ['GET', (p) => `/v1/groups/${p.g}/users`],
    ['PUT', (p) => `/v1/groups/${p.g}/join`, ['users']],
    ['DELETE', (p) => `/v1/groups/${p.g}/user/${p.u}/join`],
    ['POST', (p) => `/v1/groups/${p.g}/user/${p.u}/send`, ['message_payload', 'message_type']],
    ['POST', (p) => `/v1/users/${p.u}/send`, ['receiver_id', 'message_payload', 'message_type']],
    ['POST', (p) => `/v1/groups/${p.g}/user/${p.u}/histories`, ['per_page', 'until', 'since']],
    ['POST', (p) => `/v1/users/${p.u}/groups`, ['per_page', 'until']],
    ['POST', () => '/v1/notification/send', ['event_type', 'group_id', 'notification']],
    // The conversation API (member state, list, sync, totals, edits, action logs).
    ['GET', (p) => `/v1/groups/${p.g}/user/${p.u}`],
    ['PUT', (p) => `/v1/groups/${p.g}/user/${p.u}/update`, ['last_read_time', 'delete_before', 'highlight_time', 'hide', 'bookmark',
      'pin', 'rating', 'notifications', 'kicked', 'action_log']],
    ['PUT', (p) => `/v1/user/${p.u}/read`],
    ['POST', (p) => `/v1/groups/${p.g}/lastread`, ['user_id']],
    ['POST', (p) => `/v1/users/${p.u}/groups/updates`, ['since', 'until', 'per_page', 'count_unread', 'receiver_stats']],
    ['POST', (p) => `/v1/userstats/${p.u}`, ['hidden', 'deleted', 'count_unread']],
    ['PUT', (p) => `/v1/users/${p.u}/message/${p.g}/edit`, ['group_id', 'receiver_id', 'message_payload', 'created_at']],
    ['POST', (p) => `/v1/users/${p.u}/message/${p.g}/info`, ['group_id', 'receiver_id']],
    ['POST', (p) => `/v1/groups/${p.g}/user/${p.u}/count`, ['since', 'only_attachments']],
    ['POST', (p) => `/v1/users/${p.u}/actions`, ['group_id', 'receiver_id', 'payload']],
    ['POST', (p) => `/v1/users/${p.u}/groups/actions`, ['payload']],
    // Attachments.
    ['POST', (p) => `/v1/users/${p.u}/message/${p.g}/attachment`, ['group_id', 'receiver_id', 'file_id', 'message_payload', 'action_log']],
    ['POST', (p) => `/v1/groups/${p.g}/attachment`, ['file_id']],
    ['POST', (p) => `/v1/groups/${p.g}/user/${p.u}/attachments`, ['per_page', 'until', 'since']],
    ['DELETE', (p) => `/v1/groups/${p.g}/attachment`, ['file_id', 'status', 'action_log']],
    ['DELETE', (p) => `/v1/groups/${p.g}/user/${p.u}/attachments`, ['status', 'action_log']],
    ['DELETE', (p) => `/v1/user/${p.u}/attachments`, ['status', 'action_log']],
    ['GET', () => '/healthz'],
    ['GET', () => '/readyz'],
  ];

  it.each(endpoints)('%s %s: random path parameters, bodies and headers', async (method, path, fields) => {
    const text = fields ? body(fields, [suite.groupId]) : fc.constant(undefined);
    await fc.assert(fc.asyncProperty(user(), group(), text, headers, async (u, g, t, h) => {
      await checkedCall(method, path({ u, g }), t === undefined ? h : { 'content-type': 'application/json', ...h }, t);
    }), { numRuns: 100 });
  });

  it('any method on any path', async () => {
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE');
    const segments = fc.array(pathParam(['v1', 'groups', 'users', suite.groupId, 'send', 'join']), { maxLength: 6 });
    await fc.assert(fc.asyncProperty(method, segments, headers, async (m, s, h) => {
      await checkedCall(m, `/${s.join('/')}`, h);
    }), { numRuns: 60 });
  });

  it('creates and sends nothing, half or whole, for invalid requests: the user\'s groups and history stay as they were', async () => {
    // A group of its own: the random requests above may have changed the first one (a leave, say).
    const [owner, member] = [61, 62];
    const groupId = (await api(suite.dino.base, 'POST', `/v1/users/${owner}/groups/create`, { group_name: 'h', users: [member] })).body.group_id;
    await api(suite.dino.base, 'POST', `/v1/groups/${groupId}/user/${member}/send`, { message_payload: 'kept', message_type: 'text' });
    accepted = true;
    await settled();
    const groupsOf = async () => (await api(suite.dino.base, 'POST', `/v1/users/${member}/groups`, { per_page: 100 })).body.map((x: any) => x.group);
    const history = async () => (await api(suite.dino.base, 'POST', `/v1/groups/${groupId}/user/${member}/histories`, { per_page: 100 })).body;
    const [groupsBefore, historyBefore] = [await groupsOf(), await history()];
    const requests = fc.oneof(
      brokenRequest({ group_name: 'n', users: [member] }).map((r) => ({ ...r, path: `/v1/users/${member}/groups/create` })),
      brokenRequest({ message_payload: 'p', message_type: 'text' }).map((r) => ({ ...r, path: `/v1/groups/${groupId}/user/${member}/send` })),
      brokenRequest({ receiver_id: owner, message_payload: 'p', message_type: 'text' }).map((r) => ({ ...r, path: `/v1/users/${member}/send` })),
      brokenRequest({ users: [member, 999] }).map((r) => ({ ...r, path: `/v1/groups/${groupId}/join` })),
      brokenRequest({ event_type: 'x', notification: [{ user_ids: [member], data: {} }] })
        .map((r) => ({ ...r, path: '/v1/notification/send' })),
    );
    await fc.assert(fc.asyncProperty(requests, async ({ path, text, contentType }) => {
      const method = path.endsWith('/join') ? 'PUT' : 'POST';
      const answer = await checkedCall(method, path, { 'content-type': contentType }, text);
      expect(answer.status).toBeGreaterThanOrEqual(400);
    }), { numRuns: 100 });
    expect(await groupsOf()).toEqual(groupsBefore);
    expect((await history()).messages).toEqual(historyBefore.messages);
    expect(historyBefore.messages.map((m: any) => m.message_payload)).toEqual(['kept']);
  });

  it('is still up and answering afterwards', async () => {
    expect(isRunning(suite.dino)).toBe(true);
    expect((await api(suite.dino.base, 'GET', '/healthz')).status).toBe(200);
    expect((await api(suite.dino.base, 'POST', '/v1/users/71/groups/create', { group_name: 'after', users: [72] })).status).toBe(200);
  });
});
