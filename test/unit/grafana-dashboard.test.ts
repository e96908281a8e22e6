import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DinoMetrics } from '../../src/metrics/registry.js';
import { Scrape } from '../support/metrics.js';

const DASHBOARD = new URL('../../deploy/grafana/dino-dashboard.json', import.meta.url);

/** Every PromQL expression of the dashboard (panels and template variables). */
function expressions(): string[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: Array<{ targets?: Array<{ expr: string }> }>;
    templating: { list: Array<{ query?: unknown }> };
  };
  return [...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => t.expr)),
    ...dashboard.templating.list.map((v) => (typeof v.query === 'string' ? v.query : ''))];
}

describe('Grafana dashboard (deploy/grafana/dino-dashboard.json)', () => {
  it('queries only families a Dino process exports, by their exact names', async () => {
    const metrics = new DinoMetrics();
    metrics.watch({ backlog: async () => ({ pending: 0, lag: 0 }), publishers: async () => ({ connected: 1, disconnected: 0, inflight: 0 }) });
    const scrape = Scrape.parse(await metrics.text());
    const used = new Set(expressions().flatMap((expr) => expr.match(/\b(?:dino|process|nodejs)_[a-z0-9_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(10);
    const family = (name: string) => name.replace(/_(bucket|count|sum)$/, '');
    expect([...used].filter((name) => !scrape.declares(family(name)))).toEqual([]);
  });
});
