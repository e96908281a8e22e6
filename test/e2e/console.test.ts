import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, pageWeight, TEST_OUTPUT, watchedPage, type WatchedPage } from '../support/browser.js';
import { api, type DinoProcess } from '../support/dino-process.js';
import { dinoForSuite, type SuiteDino } from '../support/dino-suite.js';
import { MqttUser } from '../support/mqtt-user.js';
import { until } from '../support/wait.js';

const API_KEY = 'console-test-api-key-0123456789';
const JWT_SECRET = 'console-test-jwt-secret-0123456789abcdef';
const randomUser = () => 1 + Math.floor(Math.random() * 1e12);

/** Every URL a page asked for, checked to stay on loopback (the page, its files, the API, the broker's WebSocket). */
const offLoopback = (pages: WatchedPage[]) => pages.flatMap((p) => p.urls).filter((url) => new URL(url).hostname !== '127.0.0.1');

async function createGroup(dino: DinoProcess, owner: number, members: number[], headers: Record<string, string> = {}): Promise<string> {
  const created = await api(dino.base, 'POST', `/v1/users/${owner}/groups/create`, { group_name: `group of ${owner}`, users: members }, headers);
  expect(created.status).toBe(200);
  return created.body.group_id as string;
}

async function sendAs(dino: DinoProcess, groupId: string, sender: number, text: string, headers: Record<string, string> = {}): Promise<string> {
  const sent = await api(dino.base, 'POST', `/v1/groups/${groupId}/user/${sender}/send`, { message_payload: text, message_type: 'text' }, headers);
  expect(sent.status).toBe(200);
  return sent.body.message_id as string;
}

/** The feed is subscribed: the page says it is live (the subscription was granted). */
const live = (page: Page) => page.locator('#feed-state.ok').waitFor({ timeout: 15_000 });
const feedEntry = (page: Page, messageId: string) => page.locator(`#feed-events li[data-message-id="${messageId}"]`);

let browser: Browser | undefined;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** One browser context for a describe block's pages, each page watched; `open` loads a path of the suite's Dino. */
function browsing(suite: SuiteDino) {
  const session = { pages: [] as WatchedPage[], context: undefined as BrowserContext | undefined, open: async (path: string) => {
    const watched = await watchedPage(session.context!);
    session.pages.push(watched);
    await watched.page.goto(suite.dino.base + path);
    return watched.page;
  } };
  beforeAll(async () => {
    session.context = await browser?.newContext({ viewport: { width: 1400, height: 900 } });
  });
  afterAll(async () => {
    await session.context?.close();
  });
  return session;
}

describe('the web console of a Dino on loopback (open broker, no API key)', () => {
  const suite = dinoForSuite();
  const { open, pages } = browsing(suite);

  it('is small on first load: every file from this server, gzipped (bytes transferred, from Chromium\'s network events)', async ({ skip }) => {
    if (!browser) return skip();
    const fresh = await browser.newContext();
    const page = await fresh.newPage();
    const weight = await pageWeight(page, `${suite.dino.base}/console`);
    await fresh.close();
    console.log(`console page weight on first load: ${weight.bytes} bytes in ${weight.requests} requests (${weight.files.join(', ')})`);
    expect(weight.files).toContain('/console/mqtt.min.js');
    // mqtt.js's bundle alone is 342 kB as a file: less than that in all means every file came compressed.
    const bundle = statSync(join(import.meta.dirname, '../../node_modules/mqtt/dist/mqtt.min.js')).size;
    expect(weight.bytes).toBeLessThan(bundle);
  });

  it('a deep link (?user=) shows each event as it arrives, newest on top, with a counter', async ({ skip }) => {
    if (!browser) return skip();
    const [sender, watcher] = [randomUser(), randomUser()];
    const groupId = await createGroup(suite.dino, sender, [watcher]);
    const page = await open(`/console?user=${watcher}`);
    await live(page);
    const first = await sendAs(suite.dino, groupId, sender, 'hello from REST');
    await feedEntry(page, first).waitFor({ timeout: 10_000 });
    const second = await sendAs(suite.dino, groupId, sender, 'and again');
    await feedEntry(page, second).waitFor({ timeout: 10_000 });
    const entry = feedEntry(page, first);
    expect(await entry.locator('.type').textContent()).toBe('message');
    expect(await entry.locator('.group').textContent()).toBe(`group ${groupId}`);
    expect(await entry.locator('.sender').textContent()).toBe(`from ${sender}`);
    expect(JSON.parse((await entry.locator('pre').textContent())!)).toMatchObject({ event_type: 'message', message_payload: 'hello from REST', sender_id: sender });
    expect(await page.locator('#feed-events li').first().getAttribute('data-message-id')).toBe(second);
    // The group's own event may or may not come after the page connected: the counter counts what the feed shows.
    const shown = await page.locator('#feed-events li').count();
    expect(shown).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#feed-count').textContent()).toBe(String(shown));
  });

  it('pause holds new events back (still counted) and resume shows them', async ({ skip }) => {
    if (!browser) return skip();
    const [sender, watcher] = [randomUser(), randomUser()];
    const groupId = await createGroup(suite.dino, sender, [watcher]);
    const page = await open(`/console?user=${watcher}`);
    await live(page);
    await page.click('#feed-pause');
    const held = await sendAs(suite.dino, groupId, sender, 'while paused');
    await page.locator('#feed-pause', { hasText: 'Resume (1 waiting)' }).waitFor({ timeout: 10_000 });
    expect(await feedEntry(page, held).count()).toBe(0);
    expect(await page.locator('#feed-count').textContent()).toBe('1');
    await page.click('#feed-pause');
    await feedEntry(page, held).waitFor({ timeout: 5000 });
  });

  it('lists the user\'s conversations with the unread counts the REST API gives', async ({ skip }) => {
    if (!browser) return skip();
    const [friend, reader, other] = [randomUser(), randomUser(), randomUser()];
    const busy = await createGroup(suite.dino, friend, [reader]);
    for (const text of ['one', 'two', 'three']) await sendAs(suite.dino, busy, friend, text);
    const quiet = await createGroup(suite.dino, reader, [other]);
    await sendAs(suite.dino, quiet, reader, 'my own message');
    const expected = await until('the REST API to count 3 unread', async () => {
      const list = (await api(suite.dino.base, 'POST', `/v1/users/${reader}/groups`, { per_page: 10 })).body as any[];
      const unread = Object.fromEntries(list.map((row) => [row.group.group_id, row.stats.unread_amount as number]));
      return unread[busy] === 3 && unread;
    });
    const page = await open(`/console?user=${reader}`);
    const badge = (groupId: string) => page.locator(`#conversation-list li[data-group-id="${groupId}"] .unread`);
    await badge(busy).waitFor({ timeout: 10_000 });
    expect(await badge(busy).textContent()).toBe(String(expected[busy]));
    expect(await page.locator(`#conversation-list li[data-group-id="${quiet}"]`).count()).toBe(1);
    expect(await badge(quiet).count()).toBe(expected[quiet] ? 1 : 0);
    // Opening it shows its history, oldest first, and (as the REST API does) marks it read.
    await page.click(`#conversation-list li[data-group-id="${busy}"]`);
    await until('the history', async () => (await page.locator('#history .payload').allTextContents()).join() === 'one,two,three');
    await badge(busy).waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('sends as the user: a real mqtt.js subscriber gets it, and so does the feed of every member watching', async ({ skip }) => {
    if (!browser) return skip();
    const [member, me] = [randomUser(), randomUser()];
    const groupId = await createGroup(suite.dino, member, [me]);
    const subscriber = await MqttUser.connect(`mqtt://127.0.0.1:${suite.dino.mqttPort}`, member);
    try {
      const theirs = await open(`/console?user=${member}`);
      const mine = await open(`/console?user=${me}`);
      await Promise.all([live(theirs), live(mine)]);
      await mine.click(`#conversation-list li[data-group-id="${groupId}"]`);
      await mine.fill('#send-text', 'sent from the console');
      await mine.click('#send button');
      const [event] = await subscriber.waitFor((e) => e.event_type === 'message' && e.message_payload === 'sent from the console');
      expect(event).toMatchObject({ group_id: groupId, sender_id: me, message_type: 'text' });
      await feedEntry(theirs, event.message_id).waitFor({ timeout: 10_000 });
      await feedEntry(mine, event.message_id).waitFor({ timeout: 10_000 });
      await mine.locator('#history .payload', { hasText: 'sent from the console' }).waitFor({ timeout: 10_000 });
      await until('the System panel', async () => (await mine.locator('#system-state').textContent()) === 'ready', 20_000);
      await mine.screenshot({ path: join(TEST_OUTPUT, 'console.png') });
    } finally {
      await subscriber.close();
    }
  });

  it('asked for nothing beyond loopback, threw no error, and was served with a policy that forbids it', async ({ skip }) => {
    if (!browser) return skip();
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.flatMap((p) => p.urls).some((url) => url.startsWith('ws://127.0.0.1:'))).toBe(true);
    expect(offLoopback(pages)).toEqual([]);
    expect(pages.flatMap((p) => p.errors)).toEqual([]);
    const response = await fetch(`${suite.dino.base}/console`);
    expect(response.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'self'; style-src 'self';.*connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ /);
  });
});

describe('the web console of a secure Dino (JWT broker, API key)', () => {
  const suite = dinoForSuite({ DINO_JWT_SECRET: JWT_SECRET, DINO_API_KEY: API_KEY });
  const withKey = { authorization: `Bearer ${API_KEY}` };
  const { open, pages } = browsing(suite);

  it('a deep link with the user\'s token watches the user, and the token leaves the address bar', async ({ skip }) => {
    if (!browser) return skip();
    const [sender, watcher] = [randomUser(), randomUser()];
    const groupId = await createGroup(suite.dino, sender, [watcher], withKey);
    const { token } = (await api(suite.dino.base, 'POST', `/v1/users/${watcher}/token`, undefined, withKey)).body;
    const page = await open(`/console?user=${watcher}&token=${token}`);
    await live(page);
    expect(page.url()).toBe(`${suite.dino.base}/console?user=${watcher}`);
    const messageId = await sendAs(suite.dino, groupId, sender, 'to a secure console', withKey);
    await feedEntry(page, messageId).waitFor({ timeout: 10_000 });
    // The token opens the broker only: the REST panels say they need the API key.
    await page.locator('#conversations-state.error', { hasText: 'needs its API key' }).waitFor({ timeout: 10_000 });
  });

  it('a wrong token is refused with a clear error in the page', async ({ skip }) => {
    if (!browser) return skip();
    const user = randomUser();
    const { token } = (await api(suite.dino.base, 'POST', `/v1/users/${randomUser()}/token`, undefined, withKey)).body; // another user's
    const page = await open(`/console?user=${user}&token=${token}`);
    const notice = page.locator('#notice.error');
    await notice.waitFor({ timeout: 15_000 });
    expect(await notice.textContent()).toBe(`The broker refused user ${user}: not authorized (CONNACK 5). The token is wrong, expired, or for another user.`);
    expect(await page.locator('#feed-state').getAttribute('class')).toBe('state error');
  });

  it('with the API key in the form it mints a token, lists conversations, and keeps the key in sessionStorage only', async ({ skip }) => {
    if (!browser) return skip();
    const [owner, user] = [randomUser(), randomUser()];
    const groupId = await createGroup(suite.dino, owner, [user], withKey);
    await sendAs(suite.dino, groupId, owner, 'unread one', withKey);
    const page = await open('/console');
    await page.fill('#login-user', String(user));
    await page.fill('#login-key', API_KEY);
    await page.click('#login button');
    await live(page);
    await page.locator(`#conversation-list li[data-group-id="${groupId}"] .unread`, { hasText: '1' }).waitFor({ timeout: 10_000 });
    await until('the System panel', async () => (await page.locator('#system-state').textContent()) === 'ready', 20_000);
    expect(await page.evaluate('sessionStorage.getItem("dino-console-api-key")')).toBe(API_KEY);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(await page.context().cookies()).toEqual([]);
    expect(pages.flatMap((p) => p.urls).filter((url) => url.includes(API_KEY))).toEqual([]);
  });

  it('asked for nothing beyond loopback and threw no error', ({ skip }) => {
    if (!browser) return skip();
    expect(offLoopback(pages)).toEqual([]);
    expect(pages.flatMap((p) => p.errors)).toEqual([]);
  });

  it('serves the status figures to the API key only', async () => {
    expect((await api(suite.dino.base, 'GET', '/v1/console/status')).status).toBe(401);
    // Right after start the publishers may still be connecting: ready once they are, as /readyz says.
    const status = await until('the status to say ready', async () => {
      const answer = await api(suite.dino.base, 'GET', '/v1/console/status', undefined, withKey);
      expect(answer.status).toBe(200);
      return answer.body.ready === true && answer.body;
    });
    expect(status).toMatchObject({ parts: { storage: 'ok', queue: 'ok', broker: 'ok' }, queue: { pending: 0, lag: 0 }, dead_letters: 0 });
    expect(status.publishers.connected).toBeGreaterThan(0);
  });
});
