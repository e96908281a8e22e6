import { brokerUrl, settings } from './config.js';
import { byId, el, notify, timeOf } from './dom.js';
import type { Session } from './session.js';

/** Entries kept on the page; the counter goes on counting past it. */
const SHOWN = 200;
type DinoEvent = Record<string, unknown>;

/**
 * The live feed: an MQTT connection over WebSocket as the user, subscribed to the user's own topic, each event shown
 * as it arrives, newest on top. A clean session: the console watches, it does not leave a session behind that the
 * broker would keep queueing for.
 */
export class LiveFeed {
  private client: MqttClient | undefined;
  private paused = false;
  private waiting: HTMLElement[] = [];
  private received = 0;

  constructor(private readonly onEvent: (event: DinoEvent) => void) {
    byId('feed-pause').addEventListener('click', () => this.togglePause());
  }

  watch({ userId, token }: Session): void {
    this.stop();
    const url = brokerUrl();
    if (!url) return this.state('No broker a browser can reach: the embedded broker is off and DINO_MQTT_URL is not a ws:// URL', 'error');
    const topic = settings.topic_prefix + userId;
    this.state(`connecting to ${url} as user ${userId}…`, 'busy');
    const label = Math.random().toString(36).slice(2, 10);
    const client = mqtt.connect(url, {
      clientId: `${userId}-console.${label}`, username: String(userId), password: token, clean: true, protocolVersion: 4,
      reconnectPeriod: 2000, connectTimeout: 10_000,
    });
    this.client = client;
    client.on('connect', () => client.subscribe(topic, { qos: 1 }, (error, granted) => {
      if (error || granted?.[0]?.qos === 128) this.state(`The broker refused user ${userId} a subscription to ${topic}`, 'error');
      else this.state(`live: user ${userId}, topic ${topic}`, 'ok');
    }));
    client.on('error', (error) => {
      if (error.code !== 4 && error.code !== 5) return this.state(`broker: ${error.message}`, 'error');
      client.end(true); // the same credentials would be refused again
      const why = `The broker refused user ${userId}: not authorized (CONNACK ${error.code}). `
        + (token ? 'The token is wrong, expired, or for another user.' : 'It wants a token for this user.');
      this.state(why, 'error');
      notify(why);
    });
    client.on('reconnect', () => this.state(`reconnecting to ${url}…`, 'busy'));
    client.on('message', (_topic, payload) => this.receive(payload));
  }

  stop(): void {
    this.client?.end(true);
    this.client = undefined;
    this.received = 0;
    this.waiting = [];
    byId('feed-events').replaceChildren();
    this.count();
  }

  private receive(payload: Uint8Array): void {
    const text = new TextDecoder().decode(payload);
    let event: DinoEvent;
    try {
      event = JSON.parse(text) as DinoEvent;
    } catch {
      event = { event_type: '(not JSON)', payload: text };
    }
    this.received++;
    const entry = entryOf(event);
    if (this.paused) this.waiting.push(entry);
    else this.show(entry);
    this.count();
    this.onEvent(event);
  }

  private show(...entries: HTMLElement[]): void {
    const list = byId('feed-events');
    list.prepend(...entries.reverse());
    while (list.childElementCount > SHOWN) list.lastElementChild!.remove();
  }

  private togglePause(): void {
    this.paused = !this.paused;
    if (!this.paused) this.show(...this.waiting.splice(0));
    this.count();
  }

  private count(): void {
    byId('feed-count').textContent = String(this.received);
    byId('feed-pause').textContent = this.paused ? `Resume (${this.waiting.length} waiting)` : 'Pause';
  }

  private state(text: string, kind: 'ok' | 'busy' | 'error'): void {
    const line = byId('feed-state');
    line.textContent = text;
    line.className = `state ${kind}`;
  }
}

/** One event: its type, group, time, sender, and the whole JSON, pretty-printed. */
function entryOf(event: DinoEvent): HTMLElement {
  const type = String(event.event_type ?? '?');
  const sender = event.sender_id ?? event.user_id ?? event.owner_id;
  const time = typeof event.created_at === 'number' ? event.created_at : Date.now() / 1000;
  const entry = el('li', `event type-${type.replace(/[^\w-]/g, '_')}`,
    el('div', 'meta',
      el('span', 'type', type),
      event.group_id ? el('span', 'group', `group ${String(event.group_id)}`) : undefined,
      sender !== undefined ? el('span', 'sender', `from ${String(sender)}`) : undefined,
      el('time', '', timeOf(time))),
    el('pre', '', JSON.stringify(event, null, 2)));
  if (typeof event.message_id === 'string') entry.dataset.messageId = event.message_id;
  return entry;
}
