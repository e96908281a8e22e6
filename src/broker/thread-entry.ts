import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.js';
import { logger, setLogLevel } from '../log.js';
import { EmbeddedBroker } from './embedded.js';
import type { BrokerReady, ToBroker } from './thread.js';

/** The broker thread: runs the embedded broker on its own event loop, and closes it when asked. */
const config = workerData as Config;
setLogLevel(config.logLevel);
const port = parentPort!;

try {
  const broker = await EmbeddedBroker.start(config);
  port.on('message', (message: ToBroker) => {
    if (message !== 'close') return;
    broker.close().then(
      () => port.postMessage({ closed: true }),
      (err: Error) => port.postMessage({ closed: true, error: err.message }),
    );
  });
  const ready: BrokerReady = { tcpPort: broker.tcpPort, wsPort: broker.wsPort, url: broker.url, publisherSecret: broker.publisherSecret };
  port.postMessage({ ready });
} catch (err) {
  logger.debug({ err }, 'embedded broker did not start');
  port.postMessage({ failed: (err as Error).message });
}
