import { Piscina } from 'piscina';
import type { FanOutConfig, MqttConfig } from '../config.js';
import type { Broadcast, BroadcastProgress, Delivery } from '../core/ports/queue.js';
import { logger } from '../log.js';
import { noFanOutRecorder, type FanOutRecorder, type PublisherFigures } from '../metrics/recorders.js';
import { siblingEntry } from '../thread-entry.js';
import { splitByWorker } from './shards.js';
import { packShards, TurnHandOff } from './hand-off.js';
import type { WorkerSettings } from './publish-worker.js';
import type { PublishingThread, TaskAnswer } from './publisher-tasks.js';

/** Rounds of publishing the recipients whose PUBACK did not come, before the broadcast counts as failed. */
const MAX_ROUNDS = 3;

/**
 * The fan-out coordinator. Each publishing thread (a one-thread Piscina pool, so a recipient always lands on the same
 * thread; or the embedded broker's thread) owns some publishing lanes; a broadcast's recipients are split by thread
 * and queued at once, in call order, for the thread's next hand-off (one per event-loop turn, see TurnHandOff).
 * `deliver` resolves when every recipient's PUBLISH was acknowledged; recipients that were not are published
 * again, and the broadcast fails (to be retried by the queue) if some still are not after MAX_ROUNDS.
 */
export class FanOut {
  private readonly handOffs: TurnHandOff[];

  constructor(private readonly threads: PublishingThread[], private readonly metrics: FanOutRecorder = noFanOutRecorder) {
    this.handOffs = threads.map((thread) => new TurnHandOff(async (shards) => {
      const task = packShards(shards);
      return (await thread.run(task, [task.userIds.buffer])) as number[][];
    }));
  }

  /** A fan-out publishing to a broker by URL (DINO_MQTT_URL) from `workers` worker threads of its own. */
  static toBroker(brokerUrl: string, mqtt: MqttConfig, { workers }: FanOutConfig, { login, ca }: Pick<WorkerSettings, 'login' | 'ca'> = {},
    metrics?: FanOutRecorder): FanOut {
    const { filename, execArgv } = siblingEntry(import.meta.url, 'publish-worker');
    const settings: WorkerSettings = { brokerUrl, mqtt, workers, login, ca };
    return new FanOut(Array.from({ length: workers }, () => workerThread(new Piscina({
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
    }))), metrics);
  }

  /**
   * Queues the broadcast for the workers before it returns (so broadcasts are published in the order of the calls),
   * then waits for the broker's acknowledgements. Counted once per call, with the recipients acknowledged or not.
   * With `progress`, recipients go out by chunk: chunks done in an earlier attempt are skipped, and each chunk is
   * recorded once its PUBACKs are in, so a node taking over after a crash publishes only the rest.
   */
  async deliver(broadcast: Broadcast, { acceptedAt, progress }: Delivery = {}): Promise<void> {
    const chunks = progress ? chunksToDo(broadcast.userIds, progress) : undefined;
    let unacked: number[];
    try {
      // Every chunk is handed over now, in order; each then retries its own unacknowledged recipients. Without
      // progress (most broadcasts) all recipients are one chunk, handed over without the chunks' bookkeeping.
      unacked = chunks ? (await Promise.all(chunks.map(async ({ ids, done }) => {
        const left = await this.publishAll(broadcast.payload, ids);
        if (left.length === 0) done();
        return left;
      }))).flat() : await this.publishAll(broadcast.payload, broadcast.userIds);
    } catch (err) {
      // A worker thread failed: which recipients it reached is unknown, so none are counted either way.
      this.metrics.attempted(broadcast, { ok: false, acked: 0, unacked: 0 });
      throw err;
    }
    const total = chunks ? chunks.reduce((n, { ids }) => n + ids.length, 0) : broadcast.userIds.length;
    this.metrics.attempted(broadcast, { ok: unacked.length === 0, acked: total - unacked.length, unacked: unacked.length, acceptedAt });
    if (unacked.length > 0) throw new Error(`${unacked.length} of ${total} publishes not acknowledged`);
  }

  /** Publishes to `ids`, then again to those whose PUBACK did not come, up to MAX_ROUNDS; resolves with those left. */
  private publishAll(payload: string, ids: ArrayLike<number>): Promise<number[]> {
    return this.dispatch(payload, ids).then((unacked) => (unacked.length === 0 ? unacked : this.publishAgain(payload, unacked)));
  }

  /** The rounds after the first, for the recipients it left unacknowledged. */
  private async publishAgain(payload: string, unacked: number[]): Promise<number[]> {
    for (let round = 2; round <= MAX_ROUNDS && unacked.length > 0; round++) {
      logger.warn({ round, unacked: unacked.length }, 'publishes not acknowledged, publishing them again');
      unacked = await this.dispatch(payload, unacked);
    }
    return unacked;
  }

  /** True when every publishing thread's connections are up. */
  async ping(): Promise<boolean> {
    const answers = await Promise.all(this.threads.map((thread) => thread.run({ ping: true })));
    return answers.every(Boolean);
  }

  /** Every thread's publisher connections, summed (asked of each thread beside the shards it is publishing). */
  async publisherFigures(): Promise<PublisherFigures> {
    const answers = await Promise.all(this.threads.map((thread) => thread.run({ figures: true }) as Promise<PublisherFigures>));
    const sum: PublisherFigures = { connected: 0, disconnected: 0, inflight: 0 };
    for (const figures of answers) {
      sum.connected += figures.connected;
      sum.disconnected += figures.disconnected;
      sum.inflight += figures.inflight;
    }
    return sum;
  }

  /** Waits for shards in hand, then ends the worker threads and their connections. */
  async close(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.close()));
  }

  /** Hands the recipients to their threads now (in call order); resolves with those not acknowledged. */
  private dispatch(payload: string, userIds: ArrayLike<number>): Promise<number[]> {
    if (userIds.length === 0) return Promise.resolve([]);
    // With one thread (the embedded broker's, or a single worker) there is nothing to split.
    if (this.threads.length === 1) return this.handOffs[0]!.add({ payload, userIds });
    const shards = splitByWorker(userIds, this.threads.length);
    return Promise.all(shards.map((ids, worker) => (ids.length === 0 ? [] : this.handOffs[worker]!.add({ payload, userIds: ids }))))
      .then((results) => results.flat());
  }
}

/** A one-thread Piscina pool as a publishing thread. */
function workerThread(pool: Piscina): PublishingThread {
  return {
    run: (task, transferList) => pool.run(task, { transferList }) as Promise<TaskAnswer>,
    close: () => pool.close(),
  };
}

/** The chunks of `userIds` not done yet, each with the call that records it done. */
function chunksToDo(userIds: number[], { chunkSize, done, record }: BroadcastProgress): Array<{ ids: number[]; done: () => void }> {
  const chunks: Array<{ ids: number[]; done: () => void }> = [];
  for (let chunk = 0; chunk * chunkSize < userIds.length; chunk++) {
    if (!done.has(chunk)) chunks.push({ ids: userIds.slice(chunk * chunkSize, (chunk + 1) * chunkSize), done: () => record(chunk) });
  }
  return chunks;
}
