import { threadId, workerData } from 'node:worker_threads';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { MqttConfig } from '../config.js';
import type { PublisherFigures } from '../metrics/recorders.js';
import { MqttPublisher, type PublisherLogin } from './mqtt-publisher.js';
import { unpackShards, type PackedShards } from './hand-off.js';

/** What every worker thread receives from the coordinator (Piscina `workerData`). */
export interface WorkerSettings {
  /** The broker to publish to: DINO_MQTT_URL, or the embedded broker's address. */
  brokerUrl: string;
  mqtt: MqttConfig;
  /** Worker threads in the process: part of how a user id maps to a connection. */
  workers: number;
  /** Credentials for a broker that checks Dino's publishers; none for an open one. */
  login?: PublisherLogin;
  /** Certificates trusted for the broker's TLS besides Node's own (DINO_MQTT_CA_FILE's contents). */
  ca?: string;
}

/** Shards to publish, of one or more broadcasts, in the order they were queued. */
export type PublishTask = PackedShards;

/** Shards to publish; or, asked by the coordinator: are the connections up (`ping`), their `figures` for a scrape. */
export type WorkerTask = PublishTask | { ping: true } | { figures: true };

const settings = workerData as WorkerSettings;
const publisher = new MqttPublisher(settings, `dino-${hostname()}-${process.pid}-${threadId}-${randomBytes(3).toString('hex')}`);

/**
 * Piscina entry: publish the shards of a hand-off; resolves with each shard's recipients the broker did not
 * acknowledge. Not async on purpose: the publishes are queued before it returns, so tasks and the shards in them keep
 * the order they arrived in.
 */
export default function run(task: WorkerTask): Promise<number[][] | boolean | PublisherFigures> {
  if ('ping' in task) return Promise.resolve(publisher.connected);
  if ('figures' in task) return Promise.resolve(publisher.figures());
  return Promise.all(unpackShards(task).map(({ payload, userIds }) => publisher.publish(Buffer.from(payload), userIds)));
}
