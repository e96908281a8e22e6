import { byId, el } from './dom.js';
import type { Rest } from './rest.js';

interface ConsoleStatus {
  ready: boolean;
  parts: Record<string, string>;
  queue: { pending: number | null; lag: number | null };
  dead_letters: number;
  deliveries: { acked: number; unacked: number; interval_seconds: number; per_second: number[] };
  publishers: { connected: number; disconnected: number; inflight: number | null } | null;
}

const POLL_MS = 5000;
const SVG = 'http://www.w3.org/2000/svg';

/** Dino's health at a glance, from `GET /v1/console/status` every few seconds. */
export class SystemPanel {
  private timer: ReturnType<typeof setInterval> | undefined;

  show(rest: Rest): void {
    clearInterval(this.timer);
    const poll = () => void this.poll(rest);
    poll();
    this.timer = setInterval(poll, POLL_MS);
  }

  private async poll(rest: Rest): Promise<void> {
    const state = byId('system-state');
    try {
      const status = await rest.call<ConsoleStatus>('GET', 'v1/console/status');
      render(status);
      state.textContent = status.ready ? 'ready' : 'NOT READY';
      state.className = `state ${status.ready ? 'ok' : 'error'}`;
    } catch (err) {
      state.textContent = (err as Error).message;
      state.className = 'state error';
    }
  }
}

const known = (value: number | null) => (value === null ? 'unknown' : String(value));

function render(status: ConsoleStatus): void {
  const rows: Array<[string, string, boolean?]> = [
    ...Object.entries(status.parts).map(([part, state]): [string, string, boolean] => [part, state, state !== 'ok']),
    ['stream pending', known(status.queue.pending)],
    ['stream lag', known(status.queue.lag), (status.queue.lag ?? 0) > 0],
    ['dead letters', String(status.dead_letters), status.dead_letters > 0],
    ['delivered', `${status.deliveries.acked} acked, ${status.deliveries.unacked} not`, status.deliveries.unacked > 0],
    ['publishers', status.publishers
      ? `${status.publishers.connected} connected, ${status.publishers.disconnected} down, ${known(status.publishers.inflight)} in flight`
      : 'none in this process (dino server)', (status.publishers?.disconnected ?? 0) > 0],
  ];
  byId('system-figures').replaceChildren(...rows.flatMap(([name, value, bad]) =>
    [el('dt', '', name), el('dd', bad ? 'bad' : 'good', value)]));
  chart(status.deliveries.per_second, status.deliveries.interval_seconds);
}

/** Deliveries per second, one point per interval, as a line over the last minutes. */
function chart(perSecond: number[], intervalSeconds: number): void {
  const width = 300;
  const height = 60;
  const max = Math.max(1, ...perSecond);
  const step = perSecond.length > 1 ? width / (perSecond.length - 1) : width;
  const points = perSecond.map((rate, i) => `${(i * step).toFixed(1)},${(height - (rate / max) * height).toFixed(1)}`).join(' ');
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'chart');
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', points);
  svg.append(line);
  const minutes = Math.round((perSecond.length * intervalSeconds) / 60);
  const now = perSecond.at(-1) ?? 0;
  byId('deliveries').replaceChildren(svg,
    el('div', 'caption', `deliveries/s: now ${now.toFixed(1)}, peak ${Math.max(0, ...perSecond).toFixed(1)} over the last ${minutes || '<1'} min`));
}
