import { Agent, request } from 'node:http';
import { percentile } from '../stats.js';

const agent = new Agent({ keepAlive: true, maxSockets: 2 });

/** One HTTP call over a kept-alive connection: status and body text. */
export function call(port: number, method: string, path: string, body?: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = body ? { 'content-type': 'application/json', 'content-length': body.length } : {};
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => (text += d)).on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.once('error', reject).end(body);
  });
}

/** Probes /healthz one after another until `done()`; returns each probe's latency in ms. */
export async function probe(port: number, done: () => boolean): Promise<number[]> {
  const latencies: number[] = [];
  while (!done()) {
    const start = performance.now();
    await call(port, 'GET', '/healthz');
    latencies.push(performance.now() - start);
  }
  return latencies;
}

/** Probes for `ms` milliseconds. */
export function probeFor(port: number, ms: number): Promise<number[]> {
  const end = performance.now() + ms;
  return probe(port, () => performance.now() > end);
}

export const summary = (l: number[]) =>
  `${l.length} probes, p50 ${percentile(l, 0.5).toFixed(1)} ms, p99 ${percentile(l, 0.99).toFixed(1)} ms, max ${Math.max(...l).toFixed(1)} ms`;

export function closeProbes(): void {
  agent.destroy();
}
