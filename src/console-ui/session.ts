import { settings } from './config.js';
import { Rest } from './rest.js';

/** The API key lives in this tab's sessionStorage only: gone when the tab closes, never in a URL or a cookie. */
const API_KEY_ITEM = 'dino-console-api-key';

export interface Login {
  user: string;
  token?: string;
  apiKey?: string;
}

/** Who the page watches and how: the user, the REST client, and the broker password when the broker wants one. */
export interface Session {
  userId: number;
  rest: Rest;
  token?: string;
}

export const storedApiKey = (): string | undefined => sessionStorage.getItem(API_KEY_ITEM) ?? undefined;

export function storeApiKey(key: string): void {
  sessionStorage.setItem(API_KEY_ITEM, key);
}

/**
 * A deep link, `?user=<id>` or `?user=<id>&token=<jwt>`. The token is taken out of the address bar (and so out of
 * the history) at once; the user id stays, so a reload watches the same user.
 */
export function loginFromUrl(): Login | undefined {
  const params = new URLSearchParams(location.search);
  const user = params.get('user');
  if (!user) return undefined;
  const token = params.get('token') ?? undefined;
  if (token !== undefined) {
    params.delete('token');
    history.replaceState(null, '', `${location.pathname}?${params.toString()}`);
  }
  return { user, token };
}

const USER_ID = /^[1-9]\d{0,15}$/;

/** Checks the user id and gets a token when the broker wants one and none was given (minted with the API key). */
export async function openSession(login: Login): Promise<Session> {
  const userId = USER_ID.test(login.user.trim()) ? Number(login.user.trim()) : NaN;
  if (!Number.isSafeInteger(userId)) throw new Error(`user id: expected a positive integer up to 2^53−1, got "${login.user}"`);
  const rest = new Rest(login.apiKey || storedApiKey());
  let token = login.token || undefined;
  if (!token && settings.tokens) {
    if (!rest.hasKey) throw new Error(`This Dino's broker lets user ${userId} in only with a token: give the user's token, or the API key so the page can mint one`);
    if (!settings.minting) throw new Error('This Dino cannot mint tokens (no DINO_JWT_SECRET): give the user\'s token');
    token = (await rest.call<{ token: string }>('POST', `v1/users/${userId}/token`)).token;
  }
  return { userId, rest, token };
}
