import { api } from './dino-process.js';

/** An MQTT client as a broker describes it to its auth hook. */
export interface Client {
  clientId: string;
  username?: string;
  password?: string;
}

/**
 * One external broker calling Dino's hooks with the requests it really sends (shapes from
 * /work/shared/reference/mqtt-brokers.md), and reading the answer the way that broker does.
 */
export interface HookBroker {
  name: string;
  /** Whether its ACL request carries the retain flag (mosquitto-go-auth's does not). */
  knowsRetain: boolean;
  connect(client: Client): Promise<boolean>;
  subscribe(client: Client, topic: string): Promise<boolean>;
  publish(client: Client, topic: string, retain: boolean): Promise<boolean>;
}

export type Call = (path: string, body: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: any }>;

/** Calls a hook the way a broker is configured to: the API key as a header, or in the URL for those that cannot. */
export function hookCaller(base: string, apiKey: string | undefined, keyIn: 'header' | 'query'): Call {
  return (path, body, headers = {}) => {
    if (apiKey === undefined) return api(base, 'POST', path, body, headers);
    if (keyIn === 'header') return api(base, 'POST', path, body, { ...headers, authorization: `Bearer ${apiKey}` });
    return api(base, 'POST', `${path}?api_key=${encodeURIComponent(apiKey)}`, body, headers);
  };
}

/** A verdict that arrived the way the broker expects it at all: anything else is a failed test, not a deny. */
function expectStatus(response: { status: number; body: unknown }, allowed: number[]): void {
  if (!allowed.includes(response.status)) throw new Error(`hook answered ${response.status}: ${JSON.stringify(response.body)}`);
}

export function emqx(call: Call): HookBroker {
  const result = async (path: string, body: unknown) => {
    const response = await call(path, body);
    expectStatus(response, [200]);
    return response.body.result === 'allow';
  };
  const authz = (client: Client, topic: string, action: string, retain: boolean) => result('/auth/emqx/authz', {
    clientid: client.clientId, username: client.username ?? '', topic, action, qos: '1', retain: String(retain), mountpoint: '',
  });
  return {
    name: 'EMQX',
    knowsRetain: true,
    connect: (client) => result('/auth/emqx/authn', {
      clientid: client.clientId, username: client.username ?? '', password: client.password ?? '', peerhost: '127.0.0.1',
    }),
    subscribe: (client, topic) => authz(client, topic, 'subscribe', false),
    publish: (client, topic, retain) => authz(client, topic, 'publish', retain),
  };
}

export const REFUSED_QOS = 128;

export function vernemq(call: Call): HookBroker {
  const hook = async (name: string, body: unknown) => {
    const response = await call('/auth/vernemq', body, { 'vernemq-hook': name });
    expectStatus(response, [200]);
    return response.body as { result: unknown; topics?: { topic: string; qos: number }[] };
  };
  return {
    name: 'VerneMQ',
    knowsRetain: true,
    connect: async (client) => (await hook('auth_on_register', {
      peer_addr: '127.0.0.1', peer_port: 50_000, username: client.username ?? null, password: client.password ?? null,
      mountpoint: '', client_id: client.clientId, clean_session: false,
    })).result === 'ok',
    subscribe: async (client, topic) => {
      const answer = await hook('auth_on_subscribe', { client_id: client.clientId, mountpoint: '', username: client.username ?? null, topics: [{ topic, qos: 1 }] });
      return answer.result === 'ok' && (answer.topics === undefined || answer.topics[0]!.qos !== REFUSED_QOS);
    },
    publish: async (client, topic, retain) => (await hook('auth_on_publish', {
      username: client.username ?? null, client_id: client.clientId, mountpoint: '', qos: 1, topic,
      payload: Buffer.from('{"event_type":"message"}').toString('base64'), retain,
    })).result === 'ok',
  };
}

/** Mosquitto's access kinds, as mosquitto-go-auth sends them in `acc`. */
export const ACC = { read: 1, write: 2, subscribe: 4, unsubscribe: 8 } as const;

export function goAuth(call: Call): HookBroker & { access(client: Client, topic: string, acc: number): Promise<boolean> } {
  const verdict = async (path: string, body: unknown) => {
    const response = await call(path, body);
    expectStatus(response, [200, 403]);
    return response.status === 200;
  };
  const access = (client: Client, topic: string, acc: number) =>
    verdict('/auth/go-auth/acl', { username: client.username ?? '', clientid: client.clientId, topic, acc });
  return {
    name: 'mosquitto-go-auth',
    knowsRetain: false,
    connect: (client) => verdict('/auth/go-auth/user', { username: client.username ?? '', password: client.password ?? '', clientid: client.clientId }),
    subscribe: (client, topic) => access(client, topic, ACC.subscribe),
    publish: (client, topic) => access(client, topic, ACC.write),
    access,
  };
}
