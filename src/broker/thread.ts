import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import { logger } from '../log.js';
import { siblingThread } from '../thread-entry.js';
import type { PublishingThread, TaskAnswer, WorkerTask } from '../workers/publisher-tasks.js';

/** What the broker thread reports once it listens. */
export interface BrokerReady {
  tcpPort: number;
  wsPort: number;
}

export type ToBroker = 'close' | { task: WorkerTask; id: number };
export type FromBroker = { ready: BrokerReady } | { failed: string } | { closed: true; error?: string }
  | { answered: number; answer: TaskAnswer } | { answered: number; error: string };

interface Asked {
  resolve: (answer: TaskAnswer) => void;
  reject: (err: Error) => void;
}

/**
 * The embedded broker in a worker thread of its own: MQTT load (connection storms, SUBSCRIBE floods, a slow
 * WebSocket client) runs on that thread's event loop, so it cannot delay REST requests or the fan-out's hand-off.
 * The fan-out publishes in that thread too (`publisher`): its tasks go to the thread as messages, and the thread
 * hands each PUBLISH to the broker directly (workers/in-thread-connection.ts), with no connection in between. So
 * MQTT load there does delay the publishing itself, as it would in any broker's process, and a burst of publishing
 * the broker's clients.
 */
export class BrokerThread {
  private readonly asked = new Map<number, Asked>();
  private readonly whenIdle: Array<() => void> = [];
  private nextId = 0;
  private closing: ((answer: FromBroker | number) => void) | undefined;
  /** Set once the thread is gone: what every task is failed with from then on. */
  private ended: Error | undefined;
  private markLost!: (err: Error) => void;
  /**
   * Resolves if the thread ends without being asked to (an uncaught error in the broker): MQTT is then gone from this
   * process for good, and the process had better stop so that its supervisor starts it again. Never resolves otherwise.
   */
  readonly lost = new Promise<Error>((resolve) => (this.markLost = resolve));

  private constructor(private readonly worker: Worker, readonly ready: BrokerReady) {
    worker.on('message', (message: FromBroker) => {
      if ('answered' in message) return this.settle(message);
      if ('closed' in message) this.closing?.(message);
    });
    worker.on('error', (err) => logger.error({ err }, 'the embedded broker thread failed'));
    worker.on('exit', (code: number) => {
      this.ended = new Error(`the embedded broker thread exited with code ${code}`);
      if (this.closing) this.closing(code);
      else this.markLost(this.ended);
      this.failAsked(this.ended);
    });
  }

  static async start(config: Config): Promise<BrokerThread> {
    // No flags of the main thread's (as the fan-out's worker threads): its own profile (--cpu-prof) and the like.
    const worker = siblingThread(import.meta.url, 'thread-entry', { workerData: config, execArgv: [] });
    const exited = once(worker, 'exit').then(([code]) => ({ failed: `broker thread exited with code ${code}` }));
    const errored = once(worker, 'error').then(([err]) => ({ failed: (err as Error).message }));
    const answer = await Promise.race([once(worker, 'message').then(([m]) => m as FromBroker), exited, errored]);
    if ('ready' in answer) return new BrokerThread(worker, answer.ready);
    await worker.terminate();
    throw new Error('failed' in answer ? answer.failed : 'broker thread closed before it was up');
  }

  /** The fan-out's publishing thread: this one. Its `close` waits for the tasks in hand; the broker goes on. */
  get publisher(): PublishingThread {
    return {
      run: (task, transferList) => new Promise<TaskAnswer>((resolve, reject) => {
        if (this.ended) return reject(this.ended);
        const id = this.nextId++;
        this.asked.set(id, { resolve, reject });
        this.worker.postMessage({ task, id } satisfies ToBroker, transferList);
      }),
      close: () => this.idle(),
    };
  }

  /** Closes the broker (its listeners, then its persistence, committing what is pending), then ends the thread. */
  async close(): Promise<void> {
    if (this.ended) return;
    const answer = await new Promise<FromBroker | number>((resolve) => {
      this.closing = resolve;
      this.worker.postMessage('close' satisfies ToBroker);
    });
    await this.worker.terminate();
    if (typeof answer === 'object' && 'error' in answer && answer.error) throw new Error(`broker close failed: ${answer.error}`);
  }

  private settle(message: { answered: number; answer: TaskAnswer } | { answered: number; error: string }): void {
    const asked = this.asked.get(message.answered);
    if (!asked) return;
    this.asked.delete(message.answered);
    if ('error' in message) asked.reject(new Error(message.error));
    else asked.resolve(message.answer);
    this.answered();
  }

  private failAsked(err: Error): void {
    const asked = [...this.asked.values()];
    this.asked.clear();
    for (const { reject } of asked) reject(err);
    this.answered();
  }

  /** Resolves once no task is waiting for its answer. */
  private idle(): Promise<void> {
    if (this.asked.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.whenIdle.push(resolve));
  }

  private answered(): void {
    if (this.asked.size === 0) for (const resolve of this.whenIdle.splice(0)) resolve();
  }
}
