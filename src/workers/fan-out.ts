import { Piscina } from 'piscina';
import type { FanOutConfig, MqttConfig } from '../config.js';
import type { Broadcast } from '../core/ports/queue.js';
import { logger } from '../log.js';
import { siblingEntry } from '../thread-entry.js';
import { splitByWorker } from './shards.js';
import type { PublisherLogin } from './mqtt-publisher.js';
import type { WorkerSettings, WorkerTask } from './publish-worker.js';

/** Rounds of publishing the recipients whose PUBACK did not come, before the broadcast counts as failed. */
const MAX_ROUNDS = 3;

/**
 * The fan-out coordinator. Each worker thread (a one-thread Piscina pool, so a recipient always lands on the same
 * thread) owns some MQTT connections; a broadcast's recipients are split by thread and handed over at once, in call
 * order. `deliver` resolves when every recipient's PUBLISH was acknowledged; recipients that were not are published
 * again, and the broadcast fails (to be retried by the queue) if some still are not after MAX_ROUNDS.
 */
export class FanOut {
  private readonly pools: Piscina[];

  constructor(brokerUrl: string, mqtt: MqttConfig, { workers }: FanOutConfig, login?: PublisherLogin) {
    const { filename, execArgv } = siblingEntry(import.meta.url, 'publish-worker');
    const settings: WorkerSettings = { brokerUrl, mqtt, workers, login };
    this.pools = Array.from({ length: workers }, () => new Piscina({
      filename,
      execArgv,
      workerData: settings,
      minThreads: 1,
      maxThreads: 1,
      // Publishing is I/O-bound: a thread interleaves many shards; its connection windows bound the load in flight.
      concurrentTasksPerWorker: 256,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Piscina parks an idle thread in Atomics.wait, which blocks its event loop: its MQTT connections would not
      // connect at start, would miss keepalives and be dropped by the broker while no broadcast runs.
      atomics: 'disabled',
    }));
  }

  /**
   * Hands the broadcast to the workers before it returns (so broadcasts are published in the order of the calls),
   * then waits for the broker's acknowledgements.
   */
  async deliver(broadcast: Broadcast): Promise<void> {
    let unacked = await this.dispatch(broadcast.payload, broadcast.userIds);
    for (let round = 2; round <= MAX_ROUNDS && unacked.length > 0; round++) {
      logger.warn({ round, unacked: unacked.length }, 'publishes not acknowledged, publishing them again');
      unacked = await this.dispatch(broadcast.payload, unacked);
    }
    if (unacked.length > 0) throw new Error(`${unacked.length} of ${broadcast.userIds.length} publishes not acknowledged`);
  }

  /** True when every worker's broker connections are up. */
  async ping(): Promise<boolean> {
    const answers = await Promise.all(this.pools.map((pool) => pool.run({ ping: true } satisfies WorkerTask)));
    return answers.every(Boolean);
  }

  /** Waits for shards in hand, then ends the threads and their connections. */
  async close(): Promise<void> {
    await Promise.all(this.pools.map((pool) => pool.close()));
  }

  private async dispatch(payload: string, userIds: ArrayLike<number>): Promise<number[]> {
    const shards = splitByWorker(userIds, this.pools.length);
    const results = await Promise.all(shards.map((ids, worker) => (ids.length === 0 ? [] : this.runOn(worker, payload, ids))));
    return results.flat();
  }

  private async runOn(worker: number, payload: string, ids: number[]): Promise<number[]> {
    const userIds = Float64Array.from(ids);
    const task: WorkerTask = { payload, userIds };
    return (await this.pools[worker]!.run(task, { transferList: [userIds.buffer] })) as number[];
  }
}
