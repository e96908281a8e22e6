import { byId, el, timeOf } from './dom.js';
import type { Session } from './session.js';

interface ConversationRow {
  group: { group_id: string; name: string; user_count: number; last_message_time: number; last_message_overview?: string | null; last_message_user_id?: number | null };
  stats: { unread_amount: number };
}

interface Message {
  message_id: string;
  user_id: number;
  message_payload: string;
  message_type: string;
  created_at: number;
}

const PER_PAGE = 50;

/**
 * The user's conversations as the REST API lists them (`POST /v1/users/{id}/groups`: unread counts included), one
 * opened with its history (which, as in any client, marks it read), and a form to send in it as the user.
 */
export class Conversations {
  private session: Session | undefined;
  private opened: { groupId: string; name: string } | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    byId('send').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.send();
    });
  }

  show(session: Session): Promise<void> {
    this.session = session;
    this.opened = undefined;
    byId('conversation').hidden = true;
    return this.refresh();
  }

  /** An event arrived: the list is out of date, and so is the open conversation if it was about it. */
  changed(event: Record<string, unknown>): void {
    clearTimeout(this.refreshTimer);
    const aboutOpened = this.opened !== undefined && event.group_id === this.opened.groupId;
    // A burst of events is one refresh, a quarter second after the last.
    this.refreshTimer = setTimeout(() => void (aboutOpened ? this.open(this.opened!.groupId, this.opened!.name) : this.refresh()), 250);
  }

  private async refresh(): Promise<void> {
    const session = this.session;
    if (!session) return;
    await this.guard(async () => {
      const rows = await session.rest.call<ConversationRow[]>('POST', `v1/users/${session.userId}/groups`, { per_page: PER_PAGE });
      byId('conversation-list').replaceChildren(...rows.map((row) => this.item(row)));
      this.state(rows.length ? '' : `user ${session.userId} is in no conversation yet`);
    });
  }

  private item({ group, stats }: ConversationRow): HTMLElement {
    const item = el('li', this.opened?.groupId === group.group_id ? 'conversation open' : 'conversation',
      el('span', 'name', group.name || group.group_id),
      stats.unread_amount > 0 ? el('span', 'unread', String(stats.unread_amount)) : undefined,
      el('span', 'overview', group.last_message_overview ?? ''),
      el('time', '', timeOf(group.last_message_time)));
    item.dataset.groupId = group.group_id;
    item.tabIndex = 0;
    const open = () => void this.open(group.group_id, group.name);
    item.addEventListener('click', open);
    item.addEventListener('keydown', (event) => (event.key === 'Enter' ? open() : undefined));
    return item;
  }

  private async open(groupId: string, name: string): Promise<void> {
    const session = this.session;
    if (!session) return;
    await this.guard(async () => {
      const { messages } = await session.rest.call<{ messages: Message[] }>('POST', `v1/groups/${groupId}/user/${session.userId}/histories`, { per_page: PER_PAGE });
      this.opened = { groupId, name };
      byId('conversation-title').textContent = name || groupId;
      // The API answers newest first; a conversation reads oldest to newest.
      byId('history').replaceChildren(...messages.reverse().map((m) => messageItem(m, session.userId)));
      byId('conversation').hidden = false;
      byId('history').lastElementChild?.scrollIntoView({ block: 'nearest' });
    });
    await this.refresh(); // opening it marked it read
  }

  private async send(): Promise<void> {
    const session = this.session;
    const opened = this.opened;
    const input = byId<HTMLInputElement>('send-text');
    if (!session || !opened || !input.value) return;
    await this.guard(async () => {
      await session.rest.call('POST', `v1/groups/${opened.groupId}/user/${session.userId}/send`, { message_payload: input.value, message_type: 'text' });
      input.value = '';
      await this.open(opened.groupId, opened.name);
    });
  }

  /** A failed call is said in the panel, with Dino's own detail. */
  private async guard(call: () => Promise<void>): Promise<void> {
    try {
      await call();
    } catch (err) {
      this.state((err as Error).message, 'error');
    }
  }

  private state(text: string, kind = 'info'): void {
    const line = byId('conversations-state');
    line.textContent = text;
    line.className = `state ${kind}`;
  }
}

function messageItem(message: Message, me: number): HTMLElement {
  const item = el('li', message.user_id === me ? 'message mine' : 'message',
    el('div', 'meta', el('span', 'sender', `from ${message.user_id}`), el('time', '', timeOf(message.created_at))),
    el('div', 'payload', message.message_payload));
  item.dataset.messageId = message.message_id;
  return item;
}
