import { settings } from './config.js';
import { Conversations } from './conversations.js';
import { byId, notify } from './dom.js';
import { LiveFeed } from './feed.js';
import { Rest } from './rest.js';
import { loginFromUrl, openSession, storedApiKey, storeApiKey, type Login } from './session.js';
import { SystemPanel } from './system.js';

const conversations = new Conversations();
const feed = new LiveFeed((event) => conversations.changed(event));
const system = new SystemPanel();

async function start(login: Login): Promise<void> {
  try {
    const session = await openSession(login);
    notify('');
    byId('who').textContent = `user ${session.userId}`;
    feed.watch(session);
    system.show(session.rest);
    await conversations.show(session);
  } catch (err) {
    notify((err as Error).message);
  }
}

/** What this Dino asks of the page, said next to the form. */
function hint(): string {
  const needs = [
    settings.tokens ? `the broker wants the user's token${settings.minting ? ' (or the API key, to mint one)' : ''}` : 'the broker is open (no token)',
    settings.api_key ? 'the REST API wants the API key' : 'the REST API is open',
  ];
  return `On this Dino ${needs.join('; ')}. The API key stays in this tab (sessionStorage).`;
}

byId('login-hint').textContent = hint();
byId('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = (id: string) => byId<HTMLInputElement>(id).value.trim();
  const apiKey = value('login-key');
  if (apiKey) storeApiKey(apiKey);
  void start({ user: value('login-user'), token: value('login-token') || undefined, apiKey: apiKey || undefined });
});

const deepLink = loginFromUrl();
if (deepLink) {
  byId<HTMLInputElement>('login-user').value = deepLink.user;
  void start(deepLink);
} else {
  system.show(new Rest(storedApiKey()));
}
