/** The table of bench/scaling.ts's result (1, 2 and 3 `dino fanout` processes on Redis), when it has that shape. */
import type { ScalingResult } from '../scaling.js';
import { figure } from '../stats.js';
import { fig, num } from './format.js';
import type { Table } from './tables.js';

export function isScalingResult(value: unknown): value is ScalingResult {
  return typeof value === 'object' && value !== null && Array.isArray((value as ScalingResult).throughput);
}

export function scalingTable(scaling: unknown): Table | undefined {
  if (!isScalingResult(scaling)) return undefined;
  const one = scaling.throughput.find((t) => t.fanouts === 1)?.medianDeliveriesPerSecond;
  const rows = scaling.throughput.map((t) => [
    `${t.fanouts} × dino fanout`, fig(figure(t.deliveriesPerSecond)), one ? `${(t.medianDeliveriesPerSecond / one).toFixed(2)}×` : '–',
    num(t.medianMs), `${t.missing} / ${t.duplicates}`,
  ]);
  rows.push(['one mqtt.js client (ceiling)', fig(figure(scaling.ceiling.deliveriesPerSecond)), '–', '–', '–']);
  const r = scaling.recovery;
  rows.push([`kill -9 of 1 of 2 nodes → full delivery`, '–', '–', num(r.medianKillToFullDeliveryMs), `${r.missingTotal} / ${r.duplicatesTotal}`]);
  return {
    title: `Scaling (bench/scaling.ts): ${num(scaling.users)} users × ${scaling.messages} messages via Redis Streams to Mosquitto`,
    headers: ['configuration', 'deliveries/s', 'vs 1 node', 'first POST → last arrival ms', 'missing / dup'],
    rows,
    legend: `Each node runs DINO_WORKERS=${scaling.workersPerNode}; every process shares the same cores, so on this box the figures show `
      + `coordination overhead rather than a cluster's growth. Recovery: claim idle ${scaling.claimIdleMs} ms.`,
  };
}
