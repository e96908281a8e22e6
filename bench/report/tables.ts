/** The result tables, as data: rendered as padded text on the terminal and as Markdown in the summary. */
import type { BenchResults, FanoutResult } from '../model.js';
import { fig, ms, num, ratio } from './format.js';

export interface Table {
  title: string;
  headers: string[];
  rows: string[][];
  /** Read under the table: what the columns mean. */
  legend?: string;
}

const ENDPOINTS = { send: 'POST …/send (3 members)', notification: 'POST /v1/notification/send (10 ids)', get: 'GET /v1/groups/{id}' };
const BASELINES = { 'uws-post': 'bare uWS POST (parse + answer)', 'uws-post-sqlite': 'bare uWS POST + SQLite row and journal row',
  'uws-get': 'bare uWS GET', 'cassandra-insert': 'raw driver INSERT',
  'cassandra-insert-xadd': 'raw INSERT + XADD' };

export function fanoutTable(results: FanoutResult[]): Table {
  return {
    title: 'Fan-out (Dino vs raw mqtt.js to the same broker and subscribers)',
    headers: ['broker', 'scenario', 'subscribed', 'Dino deliv/s', 'raw deliv/s', 'Dino/raw', 'Dino accept→last ms', 'raw first→last ms',
      'Dino p50 / p99 ms', 'raw p50 / p99 ms', 'lost / dup (Dino; raw)'],
    rows: results.map((r) => [
      r.broker, r.scenario.id, num(r.scenario.subscribers), fig(r.dino.deliveriesPerSec), fig(r.baseline.deliveriesPerSec), ratio(r.ratio),
      ms(r.dino.acceptToLastMs), ms(r.baseline.acceptToLastMs), `${num(r.dino.p50Ms.median)} / ${num(r.dino.p99Ms.median)}`,
      `${num(r.baseline.p50Ms.median)} / ${num(r.baseline.p99Ms.median)}`,
      `${r.dino.lost} / ${r.dino.duplicates}; ${r.baseline.lost} / ${r.baseline.duplicates}`,
    ]),
    legend: 'deliv/s: publishes of the round (for the sampled 100k notification, all 100 000, most to topics nobody is subscribed to) '
      + 'over first request → last arrival. accept→last: first 2xx answer → last arrival at a subscriber. Latency: arrival − the event\'s '
      + 'created_at (group messages, set by Dino when it accepts the send) or sent_at (notifications, set by the bench before the POST).',
  };
}

export function ingestTable(results: BenchResults): Table {
  return {
    title: 'Ingestion (autocannon, closed loop)',
    headers: ['storage', 'endpoint', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'errors / non-2xx'],
    rows: [
      ...results.ingest.map((r) => [r.storage, ENDPOINTS[r.endpoint], String(r.connections), fig(r.dino.rps), ms(r.dino.p50Ms), ms(r.dino.p99Ms),
        `${r.dino.errors} / ${r.dino.non2xx}`]),
      ...results.baselines.map((b) => ['baseline', BASELINES[b.kind], String(b.connections), fig(b.figures.rps), ms(b.figures.p50Ms),
        ms(b.figures.p99Ms), `${b.figures.errors} / ${b.figures.non2xx}`]),
    ],
    legend: 'sqlite: `dino start` (embedded SQLite, queue, fan-out and broker in one process). cassandra: `dino server` on Cassandra '
      + '(consistency ONE) + Redis Streams. The raw INSERT loop holds `conns` requests in flight. autocannon reports latency in '
      + 'whole milliseconds (0 = under 1 ms). After each Dino run the bench waits for the process to go idle (`dino start` keeps '
      + 'fanning out what it accepted), so no run pays for the previous one.',
  };
}

export function ratioTable(results: BenchResults): Table {
  return {
    title: 'Ratios (Dino / ceiling, run by run)',
    headers: ['ratio', 'conns', 'median (min–max)'],
    rows: results.ratios.map((r) => [r.label, String(r.connections), ratio(r.ratio)]),
  };
}

export function rssTable(results: FanoutResult[]): Table {
  return {
    title: 'Memory (RSS of the `dino start` process)',
    headers: ['broker', 'idle MB (after start-up)', 'max MB during the 100k notification'],
    rows: results.filter((r) => r.rss.maxMb).map((r) => [r.broker, num(r.rss.idleMb), fig(r.rss.maxMb)]),
  };
}

export function targetTable(results: BenchResults): Table {
  return {
    title: 'Targets',
    headers: ['target', 'goal', 'measured (median)', 'met'],
    rows: results.targets.map((t) => [t.name, t.goal, t.measured, t.met === undefined ? 'not measured' : t.met ? 'met' : 'NOT met']),
  };
}

export function renderText(table: Table): string {
  const widths = table.headers.map((h, i) => Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [table.title, line(table.headers), widths.map((w) => '─'.repeat(w)).join('  '), ...table.rows.map(line)].join('\n');
}

export function renderMarkdown(table: Table): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [`### ${table.title}`, '', line(table.headers), line(table.headers.map(() => '---')), ...table.rows.map(line), '',
    ...(table.legend ? [table.legend, ''] : [])].join('\n');
}
