import { threadId, workerData } from 'node:worker_threads';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { MqttPublisher } from './mqtt-publisher.js';

/** Settings every worker thread receives from the coordinator (Piscina `workerData`). */
export interface WorkerSettings {
  brokerUrl: string;
  topicPrefix: string;
  connections: number;
  workers: number;
  inflightWindow: number;
  ackTimeoutMs: number;
}

export interface PublishTask {
  payload: string;
  userIds: Float64Array;
}

export type WorkerTask = PublishTask | { ping: true };

const settings = workerData as WorkerSettings;
const publisher = new MqttPublisher({
  brokerUrl: settings.brokerUrl,
  clientIdPrefix: `dino-${hostname()}-${process.pid}-${threadId}-${randomBytes(3).toString('hex')}`,
  connections: settings.connections,
  workers: settings.workers,
  inflightWindow: settings.inflightWindow,
  ackTimeoutMs: settings.ackTimeoutMs,
}, settings.topicPrefix);

/**
 * Piscina entry: publish one shard of a broadcast; resolves with the recipients the broker did not acknowledge.
 * Not async on purpose: the publishes are queued before it returns, so tasks keep the order they arrived in.
 */
export default function run(task: WorkerTask): Promise<number[] | boolean> {
  if ('ping' in task) return Promise.resolve(publisher.connected);
  return publisher.publish(Buffer.from(task.payload), task.userIds);
}
