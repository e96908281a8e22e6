import { threadId, workerData } from 'node:worker_threads';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { MqttConfig } from '../config.js';
import { brokerConnections, MqttPublisher, type PublisherLogin } from './mqtt-publisher.js';
import { answerTask, type TaskAnswer, type WorkerTask } from './publisher-tasks.js';

/** What every worker thread receives from the coordinator (Piscina `workerData`). */
export interface WorkerSettings {
  /** The broker to publish to: DINO_MQTT_URL. */
  brokerUrl: string;
  mqtt: MqttConfig;
  /** Worker threads in the process: part of how a user id maps to a connection. */
  workers: number;
  /** Credentials for a broker that checks Dino's publishers; none for an open one. */
  login?: PublisherLogin;
  /** Certificates trusted for the broker's TLS besides Node's own (DINO_MQTT_CA_FILE's contents). */
  ca?: string;
}

const settings = workerData as WorkerSettings;
const publisher = new MqttPublisher(settings,
  brokerConnections(settings, `dino-${hostname()}-${process.pid}-${threadId}-${randomBytes(3).toString('hex')}`));

/** Piscina entry: see answerTask. */
export default function run(task: WorkerTask): Promise<TaskAnswer> {
  return answerTask(publisher, task);
}
