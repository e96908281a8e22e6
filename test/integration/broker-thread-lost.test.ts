/**
 * A broker thread that ends without being asked to (an uncaught error in it) is reported as lost, which makes
 * `dino start` stop with exit code 1 (src/cli.ts), and fails the fan-out's tasks instead of leaving them waiting; a
 * thread closed on purpose is not reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { BrokerThread } from '../../src/broker/thread.js';
import { loadConfig } from '../../src/config.js';
import { sleep } from '../support/wait.js';

const dataDir = mkdtempSync(join(tmpdir(), 'dino-broker-thread-'));
const config = () => loadConfig({ DINO_DATA_DIR: dataDir, DINO_MQTT_PORT: '0', DINO_MQTT_WS_PORT: '0' });
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const notYet = Symbol('not yet');
const settled = <T>(promise: Promise<T>) => Promise.race([promise, sleep(200).then(() => notYet)]);

describe('broker thread', () => {
  it('is lost when its thread ends unasked, and then fails every task at once', async () => {
    const thread = await BrokerThread.start(config());
    expect(await settled(thread.lost)).toBe(notYet);
    // Stands for an uncaught error in the broker: the thread ends without having been asked to close.
    await (thread as unknown as { worker: Worker }).worker.terminate();
    const err = await thread.lost;
    expect(err.message).toMatch(/embedded broker thread exited/);
    await expect(thread.publisher.run({ ping: true })).rejects.toThrow(/embedded broker thread exited/);
    await thread.close(); // a no-op once gone
  });

  it('is not lost when closed on purpose', async () => {
    const thread = await BrokerThread.start(config());
    await thread.close();
    expect(await settled(thread.lost)).toBe(notYet);
  });
});
