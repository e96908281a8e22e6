/**
 * A hand-written SVG of the run: horizontal bars (median) with min–max whiskers, Dino beside its ceiling, for
 * fan-out throughput and latency and for ingestion throughput and latency.
 */
import type { BaselineResult, BenchResults, Endpoint } from '../model.js';
import type { Figure } from '../stats.js';
import { figure } from '../stats.js';
import { num } from './format.js';
import { isScalingResult } from './scaling.js';

interface Bar {
  name: string;
  value: Figure;
}
interface Group {
  label: string;
  bars: Bar[];
}
interface Panel {
  title: string;
  groups: Group[];
}

const COLORS: Record<string, string> = {
  Dino: '#2b6cb0', 'raw mqtt.js': '#a0aec0', 'Dino SQLite': '#2b6cb0', 'Dino Cassandra': '#805ad5',
  'bare uWS': '#a0aec0', 'raw driver INSERT': '#718096', 'dino fanout nodes': '#2f855a',
};
const WIDTH = 980;
const LABEL_W = 260;
const BAR_W = 560;
const BAR_H = 13;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panelSvg(panel: Panel, top: number): { svg: string; height: number } {
  const bars = panel.groups.flatMap((g) => g.bars).filter((b) => Number.isFinite(b.value.median));
  const scale = Math.max(1, ...bars.map((b) => (Number.isFinite(b.value.max) ? b.value.max : b.value.median)));
  const x = (v: number) => LABEL_W + (v / scale) * BAR_W;
  const parts = [`<text x="10" y="${top + 18}" class="title">${esc(panel.title)}</text>`];
  let y = top + 32;
  for (const group of panel.groups) {
    parts.push(`<text x="${LABEL_W - 8}" y="${y + (group.bars.length * (BAR_H + 3)) / 2 + 4}" text-anchor="end">${esc(group.label)}</text>`);
    for (const bar of group.bars) {
      const f = bar.value;
      if (Number.isFinite(f.median)) {
        parts.push(`<rect x="${LABEL_W}" y="${y}" width="${(x(f.median) - LABEL_W).toFixed(1)}" height="${BAR_H}" fill="${COLORS[bar.name] ?? '#999'}"><title>${esc(bar.name)}: ${num(f.median)} (min ${num(f.min)}, max ${num(f.max)})</title></rect>`);
        if (f.max > f.min) parts.push(`<line x1="${x(f.min).toFixed(1)}" x2="${x(f.max).toFixed(1)}" y1="${y + BAR_H / 2}" y2="${y + BAR_H / 2}" class="whisker"/>`);
        parts.push(`<text x="${(Math.max(x(f.median), x(Number.isFinite(f.max) ? f.max : f.median)) + 6).toFixed(1)}" y="${y + BAR_H - 2}" class="value">${num(f.median)}</text>`);
      }
      y += BAR_H + 3;
    }
    y += 8;
  }
  return { svg: parts.join('\n'), height: y - top + 10 };
}

function legend(names: string[], top: number): string {
  return names.map((name, i) => `<rect x="${LABEL_W + i * 150}" y="${top}" width="12" height="12" fill="${COLORS[name]}"/>` +
    `<text x="${LABEL_W + i * 150 + 18}" y="${top + 11}">${esc(name)}</text>`).join('\n');
}

function panels(results: BenchResults): Panel[] {
  const fanoutGroups = (pick: 'deliveriesPerSec' | 'p99Ms') => results.fanout.map((r) => ({
    label: `${r.broker} · ${r.scenario.id}`, bars: [{ name: 'Dino', value: r.dino[pick] }, { name: 'raw mqtt.js', value: r.baseline[pick] }],
  }));
  const ingestGroups = (pick: 'rps' | 'p99Ms') => {
    const groups: Group[] = [];
    for (const connections of [...new Set(results.ingest.map((r) => r.connections))]) {
      for (const endpoint of ['send', 'notification', 'get'] as Endpoint[]) {
        const dino = results.ingest.filter((r) => r.endpoint === endpoint && r.connections === connections)
          .map((r) => ({ name: r.storage === 'sqlite' ? 'Dino SQLite' : 'Dino Cassandra', value: r.dino[pick] }));
        const kinds = endpoint === 'send' ? ['uws-post', 'uws-post-sqlite', 'cassandra-insert', 'cassandra-insert-xadd'] : endpoint === 'get' ? ['uws-get'] : [];
        const ceilings = results.baselines.filter((b) => kinds.includes(b.kind) && b.connections === connections)
          .map((b) => ({ name: CEILING_NAMES[b.kind], value: b.figures[pick] }));
        if (dino.length > 0) groups.push({ label: `${endpoint} ×${connections} conns`, bars: [...dino, ...ceilings] });
      }
    }
    return groups;
  };
  const scaling = isScalingResult(results.scaling) ? results.scaling : undefined;
  const scalingGroups: Group[] = scaling ? [
    ...scaling.throughput.map((t) => ({ label: `${t.fanouts} × dino fanout`, bars: [{ name: 'dino fanout nodes', value: figure(t.deliveriesPerSecond) }] })),
    { label: 'one mqtt.js client', bars: [{ name: 'raw mqtt.js', value: figure(scaling.ceiling.deliveriesPerSecond) }] },
  ] : [];
  return [
    { title: 'Fan-out: deliveries per second (higher is better)', groups: fanoutGroups('deliveriesPerSec') },
    { title: 'Fan-out: p99 per-delivery latency, ms (lower is better)', groups: fanoutGroups('p99Ms') },
    { title: 'Ingestion: requests per second (higher is better)', groups: ingestGroups('rps') },
    { title: 'Ingestion: p99 latency, ms (lower is better)', groups: ingestGroups('p99Ms') },
    { title: 'Scaling on Redis: deliveries per second (higher is better)', groups: scalingGroups },
  ].filter((p) => p.groups.length > 0);
}

const CEILING_NAMES: Record<BaselineResult['kind'], string> = {
  'uws-post': 'bare uWS', 'uws-post-sqlite': 'bare uWS + SQLite', 'uws-get': 'bare uWS', 'cassandra-insert': 'raw driver INSERT', 'cassandra-insert-xadd': 'raw INSERT + XADD',
};

export function chartSvg(results: BenchResults): string {
  let y = 40;
  const body: string[] = [legend(['Dino', 'raw mqtt.js'], 26)];
  for (const panel of panels(results)) {
    if (panel.title.startsWith('Ingestion') && !body.some((b) => b.includes('Dino SQLite'))) {
      body.push(legend(['Dino SQLite', 'Dino Cassandra', 'bare uWS', 'raw driver INSERT'], y + 4));
      y += 20;
    }
    const { svg, height } = panelSvg(panel, y);
    body.push(svg);
    y += height;
  }
  const title = `Dino benchmark ${results.date}${results.quick ? ' (quick)' : ''}: median of ${results.runs} run(s), whiskers min–max`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y + 10}" font-family="sans-serif" font-size="12">
<style>.title{font-weight:bold;font-size:14px}.value{fill:#333;font-size:11px}.whisker{stroke:#1a202c;stroke-width:1.5}</style>
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="18" class="title">${esc(title)}</text>
${body.join('\n')}
</svg>
`;
}
