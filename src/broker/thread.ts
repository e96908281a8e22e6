import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import { siblingEntry } from '../thread-entry.js';

/** What the broker thread reports once it listens. */
export interface BrokerReady {
  tcpPort: number;
  wsPort: number;
  /** The URL the fan-out workers use to reach it. */
  url: string;
  /** What Dino's publishers derive their password from (undefined: open broker, no password needed). */
  publisherSecret?: string;
}

export type ToBroker = 'close';
type FromBroker = { ready: BrokerReady } | { failed: string } | { closed: true; error?: string };

/**
 * The embedded broker in a worker thread of its own: MQTT load (connection storms, SUBSCRIBE floods, a slow
 * WebSocket client) runs on that thread's event loop, so it cannot delay REST requests or the fan-out's hand-off.
 * Dino's publishers reach it over loopback as they would any broker.
 */
export class BrokerThread {
  private constructor(private readonly worker: Worker, readonly ready: BrokerReady) {}

  static async start(config: Config): Promise<BrokerThread> {
    const { filename, execArgv } = siblingEntry(import.meta.url, 'thread-entry');
    const worker = new Worker(filename, { workerData: config, execArgv });
    const exited = once(worker, 'exit').then(([code]) => ({ failed: `broker thread exited with code ${code}` }));
    const errored = once(worker, 'error').then(([err]) => ({ failed: (err as Error).message }));
    const answer = await Promise.race([once(worker, 'message').then(([m]) => m as FromBroker), exited, errored]);
    if ('ready' in answer) return new BrokerThread(worker, answer.ready);
    await worker.terminate();
    throw new Error('failed' in answer ? answer.failed : 'broker thread closed before it was up');
  }

  /** Closes the broker (its listeners, then its persistence, committing what is pending), then ends the thread. */
  async close(): Promise<void> {
    const closed = once(this.worker, 'message');
    this.worker.postMessage('close' satisfies ToBroker);
    const [answer] = (await Promise.race([closed, once(this.worker, 'exit')])) as [FromBroker | number];
    await this.worker.terminate();
    if (typeof answer === 'object' && 'error' in answer && answer.error) throw new Error(`broker close failed: ${answer.error}`);
  }
}
