/** The ratios the issue asks for, and each target checked against its median. */
import type { BaselineResult, BenchResults, RatioLine, TargetCheck } from '../model.js';
import type { Figure } from '../stats.js';
import { ratioFigure } from '../stats.js';
import { num } from './format.js';

type Measured = Pick<BenchResults, 'fanout' | 'ingest' | 'baselines'>;

export function ratioLines({ ingest, baselines }: Measured): RatioLine[] {
  const lines: RatioLine[] = [];
  for (const c of [...new Set(ingest.map((r) => r.connections))]) {
    const dino = (storage: string, endpoint: string) =>
      ingest.find((r) => r.storage === storage && r.endpoint === endpoint && r.connections === c)?.dino.rps;
    const base = (kind: BaselineResult['kind']) => baselineAt(baselines, kind, c)?.figures.rps;
    const pair = (label: string, top: Figure | undefined, bottom: Figure | undefined) => {
      if (top && bottom) lines.push({ label, connections: c, ratio: ratioFigure(top, bottom) });
    };
    pair('send (Cassandra) / raw driver INSERT', dino('cassandra', 'send'), base('cassandra-insert'));
    pair('send (Cassandra) / raw INSERT + XADD', dino('cassandra', 'send'), base('cassandra-insert-xadd'));
    pair('GET (SQLite) / bare uWS GET', dino('sqlite', 'get'), base('uws-get'));
    pair('GET (Cassandra) / bare uWS GET', dino('cassandra', 'get'), base('uws-get'));
    pair('send (SQLite) / bare uWS POST', dino('sqlite', 'send'), base('uws-post'));
    pair('send (SQLite) / bare POST + SQLite rows', dino('sqlite', 'send'), base('uws-post-sqlite'));
    // No Dino in them: the least a send must do against the plain ceiling, each send ratio's own ceiling.
    pair('raw INSERT + XADD / raw driver INSERT (no Dino)', base('cassandra-insert-xadd'), base('cassandra-insert'));
    pair('bare POST + SQLite rows / bare uWS POST (no Dino)', base('uws-post-sqlite'), base('uws-post'));
  }
  return lines;
}

const baselineAt = (baselines: BaselineResult[], kind: BaselineResult['kind'], connections: number) =>
  baselines.find((b) => b.kind === kind && b.connections === connections);

const check = (name: string, goal: string, value: number | undefined, measured: string, ok: (v: number) => boolean): TargetCheck =>
  ({ name, goal, measured, met: value === undefined || !Number.isFinite(value) ? undefined : ok(value) });

export function checkTargets(results: Measured & { ratios: RatioLine[] }): TargetCheck[] {
  const targets: TargetCheck[] = [];
  for (const r of results.fanout) {
    targets.push(check(`fan-out ${r.broker}, ${r.scenario.id}: deliveries/s vs raw mqtt.js`, '≥ 0.90×', r.ratio.median,
      `${r.ratio.median.toFixed(2)}× (${num(r.dino.deliveriesPerSec.median)} vs ${num(r.baseline.deliveriesPerSec.median)}/s)`, (v) => v >= 0.9));
  }
  for (const r of results.fanout.filter((f) => f.scenario.kind === 'notification')) {
    const t = r.dino.acceptToLastMs.median;
    targets.push(check(`100k notification, ${r.broker}: accept → last delivery`, '< 3 000 ms', t, `${num(t)} ms`, (v) => v < 3000));
  }
  // Issue 11: send on Cassandra ≥ 0.5× the raw INSERT (stretch 0.7×), GET ≥ 0.5× bare uWS, send on SQLite ≥ 0.4× bare POST.
  const goals: Array<[string, number]> = [['send (Cassandra) / raw driver INSERT', 0.5], ['GET', 0.5], ['send (SQLite) / bare uWS POST', 0.4]];
  for (const line of results.ratios) {
    const goal = goals.find(([prefix]) => line.label.startsWith(prefix))?.[1];
    if (goal === undefined) continue;
    targets.push(check(`${line.label}, ${line.connections} conns`, `≥ ${goal.toFixed(2)}×`, line.ratio.median,
      `${line.ratio.median.toFixed(2)}×`, (v) => v >= goal));
  }
  const tailOf = (f: { p50Ms: { median: number }; p99Ms: { median: number } }) => f.p99Ms.median / Math.max(1, f.p50Ms.median);
  for (const r of results.ingest.filter((i) => i.endpoint === 'send')) {
    const tail = tailOf(r.dino);
    // Cassandra's own tail, for comparison: the raw insert loop's p99 / p50 in the same run.
    const raw = r.storage === 'cassandra' ? baselineAt(results.baselines, 'cassandra-insert', r.connections) : undefined;
    const rawTail = raw ? `; raw driver INSERT ${tailOf(raw.figures).toFixed(1)}×` : '';
    targets.push(check(`send (${r.storage}) p99 / p50, ${r.connections} conns`, '≤ 4×', tail,
      `${tail.toFixed(1)}× (${num(r.dino.p99Ms.median)} / ${num(r.dino.p50Ms.median)} ms${rawTail})`, (v) => v <= 4));
  }
  for (const r of results.fanout.filter((f) => f.rss.maxMb)) {
    targets.push(check(`RSS idle, dino start (${r.broker})`, '< 150 MB', r.rss.idleMb, `${num(r.rss.idleMb)} MB`, (v) => v < 150));
    targets.push(check(`RSS max during 100k notification (${r.broker})`, '< 500 MB', r.rss.maxMb!.median, `${num(r.rss.maxMb!.median)} MB`, (v) => v < 500));
  }
  return targets;
}
