/** HTTP load with autocannon's programmatic API: fixed connections, closed loop, one request shape. */
import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import { progress } from '../progress.js';
import { LatencyHistogram } from '../stats.js';

export interface HttpLoad {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  connections: number;
  seconds: number;
  /** Stop after this many requests instead of after `seconds` (to measure the cost of a known number). */
  amount?: number;
  label: string;
}

/** One run's figures: 2xx answers per second, their latency percentiles in ms (to 0.01 ms), failures. */
export interface LoadRun {
  rps: number;
  /** Requests answered 2xx (operations that succeeded). */
  succeeded: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export async function httpLoad(load: HttpLoad): Promise<LoadRun> {
  const instance = autocannon({
    url: load.url, method: load.method, body: load.body, connections: load.connections, duration: load.seconds,
    ...(load.amount === undefined ? {} : { amount: load.amount }),
    headers: load.body === undefined ? {} : { 'content-type': 'application/json' }, timeout: 10,
  });
  let second = 0;
  instance.on('tick', (tick) => progress(`${load.label}: ${++second}/${load.seconds} s, ${tick.counter} req/s`));
  // Each answer's own time (fractional ms): autocannon's result rounds latencies to whole milliseconds.
  const latencies = new LatencyHistogram();
  (instance as unknown as EventEmitter).on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latencies.record(ms);
  });
  const result = await instance;
  return {
    rps: result['2xx'] / result.duration,
    succeeded: result['2xx'],
    p50Ms: latencies.quantile(0.5),
    p99Ms: latencies.quantile(0.99),
    errors: result.errors,
    non2xx: result.non2xx,
  };
}
