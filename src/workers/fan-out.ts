import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { Broadcast } from '../queue/port.js';
import { logger } from '../log.js';
import { splitIntoShards } from './shards.js';
import type { WorkerSettings, WorkerTask } from './publish-worker.js';

export interface FanOutOptions extends WorkerSettings {
  workers: number;
  /** Lists shorter than this stay on one worker: a shard hand-off costs more than it saves for a small group. */
  minShardSize?: number;
  /** Rounds of re-publishing the recipients whose PUBACK did not come before the broadcast counts as failed. */
  maxRounds?: number;
}

/** Running from sources (tests, tsx) the worker is TypeScript and needs the tsx loader in its thread. */
function workerEntry(): { filename: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.ts')) return { filename: self.replace(/fan-out\.ts$/, 'publish-worker.ts'), execArgv: ['--import', 'tsx'] };
  return { filename: self.replace(/fan-out\.js$/, 'publish-worker.js'), execArgv: [] };
}

/**
 * The fan-out coordinator: splits a broadcast's recipients into shards for a pool of worker threads, each of which
 * publishes over its own MQTT connections. `deliver` resolves only when every recipient's PUBLISH was acknowledged;
 * recipients that were not are published again, and the broadcast fails (to be retried by the queue) if some still
 * are not after `maxRounds`.
 */
export class FanOut {
  private readonly pool: Piscina;
  private readonly minShardSize: number;
  private readonly maxRounds: number;

  constructor(private readonly options: FanOutOptions) {
    const { filename, execArgv } = workerEntry();
    const settings: WorkerSettings = {
      brokerUrl: options.brokerUrl,
      topicPrefix: options.topicPrefix,
      connections: options.connections,
      inflightWindow: options.inflightWindow,
      ackTimeoutMs: options.ackTimeoutMs,
    };
    this.pool = new Piscina({
      filename,
      execArgv,
      workerData: settings,
      minThreads: options.workers,
      maxThreads: options.workers,
      // Publishing is I/O-bound: a thread interleaves many shards, its connection window bounds the in-flight load.
      concurrentTasksPerWorker: 64,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Piscina parks an idle thread in Atomics.wait, which blocks its event loop: its MQTT connections would not
      // connect at start, would miss keepalives and be dropped by the broker while no broadcast runs.
      atomics: 'disabled',
    });
    this.minShardSize = options.minShardSize ?? 1000;
    this.maxRounds = options.maxRounds ?? 3;
  }

  async deliver(broadcast: Broadcast): Promise<void> {
    let recipients: ArrayLike<number> = broadcast.userIds;
    for (let round = 1; round <= this.maxRounds && recipients.length > 0; round++) {
      const shards = splitIntoShards(recipients, this.options.workers, this.minShardSize);
      const unacked = await Promise.all(shards.map((ids) => this.runShard(broadcast.payload, ids)));
      recipients = unacked.flat();
      if (recipients.length > 0) logger.warn({ round, unacked: recipients.length }, 'publishes not acknowledged, retrying');
    }
    if (recipients.length > 0) throw new Error(`${recipients.length} of ${broadcast.userIds.length} publishes not acknowledged`);
  }

  /** True when every worker's broker connections are up (a worker at random answers: good enough for readiness). */
  async ping(): Promise<boolean> {
    return (await this.pool.run({ ping: true } satisfies WorkerTask)) as boolean;
  }

  /** Waits for shards in hand, then ends the threads and their connections. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  private async runShard(payload: string, ids: number[]): Promise<number[]> {
    const userIds = Float64Array.from(ids);
    const task: WorkerTask = { payload, userIds };
    return (await this.pool.run(task, { transferList: [userIds.buffer] })) as number[];
  }
}
