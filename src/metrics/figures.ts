import type { Registry } from 'prom-client';
import type { Families } from './families.js';
import type { HealthFigures } from './recorders.js';

/** The value of a sample, or null where the family says it does not know (NaN, or no sample). */
const known = (value: number | undefined): number | null => (value === undefined || Number.isNaN(value) ? null : value);

/**
 * What the console's System panel shows, read from the same families `/metrics` exposes: the gauges are collected
 * (queue backlog, worker threads) exactly as a scrape would, so the page and Prometheus never disagree.
 */
export async function healthFigures(registry: Registry, families: Families): Promise<HealthFigures> {
  const byResult = (result: 'acked' | 'unacked') => deliveries(families, result);
  const gauge = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values;
  const [pending, lag, connections, inflight] = await Promise.all(
    ['dino_stream_pending', 'dino_stream_lag', 'dino_mqtt_connections', 'dino_mqtt_inflight'].map(gauge));
  const byState = (state: string) => connections?.find((sample) => sample.labels.state === state)?.value ?? 0;
  return {
    delivered: await byResult('acked'),
    undelivered: await byResult('unacked'),
    deadLetters: (await families.deadLetters.get()).values[0]?.value ?? 0,
    pending: known(pending?.[0]?.value),
    lag: known(lag?.[0]?.value),
    publishers: connections === undefined ? null
      : { connected: byState('connected'), disconnected: byState('disconnected'), inflight: known(inflight?.[0]?.value) },
  };
}

async function deliveries(families: Families, result: 'acked' | 'unacked'): Promise<number> {
  return (await families.deliveries.get()).values.find((sample) => sample.labels.result === result)?.value ?? 0;
}

/** Recipients acknowledged since start. */
export const deliveredSoFar = (families: Families): Promise<number> => deliveries(families, 'acked');
