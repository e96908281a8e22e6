import type { PublisherFigures } from '../metrics/recorders.js';
import { unpackShards, type PackedShards } from './hand-off.js';
import type { MqttPublisher } from './mqtt-publisher.js';

/** Shards to publish, of one or more broadcasts, in the order they were queued. */
export type PublishTask = PackedShards;

/** Shards to publish; or, asked by the coordinator: are the connections up (`ping`), their `figures` for a scrape. */
export type WorkerTask = PublishTask | { ping: true } | { figures: true };

/** Each shard's unacknowledged recipients (a PublishTask), connected or not (ping), the figures. */
export type TaskAnswer = number[][] | boolean | PublisherFigures;

/**
 * A thread the coordinator hands tasks to: a fan-out worker thread (Piscina, one thread per pool), or the embedded
 * broker's own thread, which publishes in-thread. Tasks are answered by the thread's MqttPublisher (`answerTask`).
 */
export interface PublishingThread {
  /** `transferList`: buffers of the task moved to the thread, not copied. */
  run(task: WorkerTask, transferList?: ArrayBuffer[]): Promise<TaskAnswer>;
  /** Waits for the tasks in hand, then lets the thread go (a worker thread ends; the broker's thread goes on). */
  close(): Promise<void>;
}

/**
 * A thread's answer to a task. Not async on purpose: the publishes are queued before it returns, so tasks and the
 * shards in them keep the order they arrived in.
 */
export function answerTask(publisher: MqttPublisher, task: WorkerTask): Promise<TaskAnswer> {
  if ('ping' in task) return Promise.resolve(publisher.connected);
  if ('figures' in task) return Promise.resolve(publisher.figures());
  return Promise.all(unpackShards(task).map(({ payload, userIds }) => publisher.publish(Buffer.from(payload), userIds)));
}
