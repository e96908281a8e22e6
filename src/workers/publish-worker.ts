import { threadId, workerData } from 'node:worker_threads';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { MqttPublisher } from './mqtt-publisher.js';
import { dealRoundRobin } from './shards.js';

/** Settings every worker thread receives from the coordinator (Piscina `workerData`). */
export interface WorkerSettings {
  brokerUrl: string;
  topicPrefix: string;
  connections: number;
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
  inflightWindow: settings.inflightWindow,
  ackTimeoutMs: settings.ackTimeoutMs,
});

/** Piscina entry: publish one shard of a broadcast; resolves with the recipients the broker did not acknowledge. */
export default async function run(task: WorkerTask): Promise<number[] | boolean> {
  if ('ping' in task) return publisher.connected;
  const payload = Buffer.from(task.payload);
  return publisher.publish(payload, settings.topicPrefix, dealRoundRobin(task.userIds, settings.connections));
}
