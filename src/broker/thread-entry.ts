import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.js';
import { logger, setLogLevel } from '../log.js';
import { MqttPublisher } from '../workers/mqtt-publisher.js';
import { answerTask } from '../workers/publisher-tasks.js';
import { EmbeddedBroker } from './embedded.js';
import type { BrokerReady, FromBroker, ToBroker } from './thread.js';

/**
 * The broker thread: runs the embedded broker on its own event loop, publishes the fan-out's tasks into it, and
 * closes it when asked.
 */
const config = workerData as Config;
setLogLevel(config.logLevel);
const port = parentPort!;
const answer = (message: FromBroker) => port.postMessage(message);

try {
  const broker = await EmbeddedBroker.start(config);
  // One publishing thread (this one), the lanes and windows of DINO_MQTT_CONNECTIONS and DINO_MQTT_INFLIGHT.
  const publisher = new MqttPublisher({ mqtt: config.mqtt, workers: 1 }, () => broker.inThreadConnection());
  port.on('message', (message: ToBroker) => {
    if (message !== 'close') {
      const { task, id } = message;
      answerTask(publisher, task).then((result) => answer({ answered: id, answer: result }),
        (err: Error) => answer({ answered: id, error: err.message }));
      return;
    }
    publisher.close().then(() => broker.close()).then(
      () => answer({ closed: true }),
      (err: Error) => answer({ closed: true, error: err.message }),
    );
  });
  const ready: BrokerReady = { tcpPort: broker.tcpPort, wsPort: broker.wsPort };
  answer({ ready });
} catch (err) {
  logger.debug({ err }, 'embedded broker did not start');
  answer({ failed: (err as Error).message });
}
