import { afterAll, beforeAll, expect } from 'vitest';
import { api, startDino, type DinoProcess } from './dino-process.js';
import { MqttUser } from './mqtt-user.js';
import { until } from './wait.js';

/** A fresh random user id for a test (tests share one Dino, never users). */
export const newUser = (): number => 1 + Math.floor(Math.random() * 1e12);
/** Now, in the API's float seconds. */
export const nowSeconds = (): number => Date.now() / 1000;
/**
 * A time after every message sent so far, by this process's clock and by Dino's: Dino dates messages by its own
 * monotonic clock, which may run a few milliseconds ahead of this process's Date.now().
 */
export const afterEverythingSent = (): number => nowSeconds() + 1;
export const DAY = 86_400;

/**
 * The conversation API as a test calls it: each call expects success (a 2xx) and returns the body. The checklist
 * tests (test/e2e/conversation-*.test.ts) read like the original's functional tests through it.
 */
export class ChatApi {
  constructor(readonly base: string) {}

  async call(method: string, path: string, body?: unknown): Promise<any> {
    const answer = await api(this.base, method, path, body);
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  async create(owner: number, users: number[] = [], name = 'a group'): Promise<string> {
    return (await this.call('POST', `/v1/users/${owner}/groups/create`, { group_name: name, users })).group_id;
  }

  send(groupId: string, userId: number, payload = 'hi'): Promise<any> {
    return this.call('POST', `/v1/groups/${groupId}/user/${userId}/send`, { message_payload: payload, message_type: 'text' });
  }

  /** A one-to-one message; returns the message (its group_id is the pair's group). */
  sendTo(from: number, to: number, payload = 'hi'): Promise<any> {
    return this.call('POST', `/v1/users/${from}/send`, { receiver_id: to, message_payload: payload, message_type: 'text' });
  }

  async open(groupId: string, userId: number): Promise<any[]> {
    return (await this.call('POST', `/v1/groups/${groupId}/user/${userId}/histories`, { per_page: 100 })).messages;
  }

  list(userId: number, body: Record<string, unknown> = {}): Promise<any[]> {
    return this.call('POST', `/v1/users/${userId}/groups`, { per_page: 100, ...body });
  }

  listIds = async (userId: number, body: Record<string, unknown> = {}): Promise<string[]> =>
    (await this.list(userId, body)).map((row) => row.group.group_id);

  updates(userId: number, since: number, body: Record<string, unknown> = {}): Promise<any[]> {
    return this.call('POST', `/v1/users/${userId}/groups/updates`, { per_page: 100, since, ...body });
  }

  stats(userId: number, body: Record<string, unknown> = {}): Promise<any> {
    return this.call('POST', `/v1/userstats/${userId}`, body);
  }

  /** GET …/user/{uid}: the member's `{group, stats}`. */
  state(groupId: string, userId: number): Promise<any> {
    return this.call('GET', `/v1/groups/${groupId}/user/${userId}`);
  }

  update(groupId: string, userId: number, body: Record<string, unknown>): Promise<any> {
    return this.call('PUT', `/v1/groups/${groupId}/user/${userId}/update`, body);
  }

  join(groupId: string, users: number[]): Promise<any> {
    return this.call('PUT', `/v1/groups/${groupId}/join`, { users });
  }

  leave(groupId: string, userId: number): Promise<any> {
    return this.call('DELETE', `/v1/groups/${groupId}/user/${userId}/join`);
  }

  readAll(userId: number): Promise<any> {
    return this.call('PUT', `/v1/user/${userId}/read`);
  }

  /** The member's row in its list (hidden ones included), or undefined. */
  async row(userId: number, groupId: string, body: Record<string, unknown> = {}): Promise<any> {
    return (await this.list(userId, { hidden: null, ...body })).find((r) => r.group.group_id === groupId);
  }

  /**
   * Polls `probe` until it equals `expected`. The sender's read mark and a group's last message are applied just
   * after a send returns (off the request path), so what follows a send is awaited, never assumed.
   */
  async settles<T>(what: string, probe: () => Promise<T>, expected: T): Promise<void> {
    let last: T | undefined;
    await until(what, async () => {
      last = await probe();
      try {
        expect(last).toEqual(expected);
        return true;
      } catch {
        return false;
      }
    }).catch(() => expect(last, what).toEqual(expected));
  }
}

/**
 * `dino start` for one describe block of conversation tests: started (with `env()`) before them, handed to `ready`
 * with a ChatApi on it, and stopped after them (a clean exit is part of the test).
 */
export function chatSuite(env: () => Record<string, string>, ready: (chat: ChatApi, dino: DinoProcess) => void): void {
  let dino: DinoProcess | undefined;
  beforeAll(async () => {
    dino = await startDino('start', env());
    ready(new ChatApi(dino.base), dino);
  });
  afterAll(async () => {
    expect(await dino?.stop()).toBe(0);
  });
}

/** Connects users' apps (real mqtt.js clients) to a suite's Dino, the one `dino()` returns; all closed after the suite. */
export function suiteApps(dino: () => DinoProcess): (userId: number) => Promise<MqttUser> {
  const apps: MqttUser[] = [];
  afterAll(() => Promise.all(apps.map((a) => a.close())));
  return async (userId) => {
    const app = await MqttUser.connect(`mqtt://127.0.0.1:${dino().mqttPort}`, userId);
    apps.push(app);
    return app;
  };
}
