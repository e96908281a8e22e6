import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDino } from '../support/dino-process.js';

describe('start-up errors', () => {
  it('names the setting when the embedded broker cannot take its port (the broker runs in its own thread)', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as AddressInfo).port;
    try {
      const start = startDino('start', { DINO_DATA_DIR: mkdtempSync(join(tmpdir(), 'dino-taken-')), DINO_MQTT_PORT: String(taken) });
      await expect(start).rejects.toThrow(new RegExp(`port ${taken} \\(DINO_MQTT_PORT\\) is already in use`));
    } finally {
      holder.close();
    }
  });

  it('refuses a listener beyond loopback without credentials, naming what is missing', async () => {
    const start = startDino('start', { DINO_DATA_DIR: mkdtempSync(join(tmpdir(), 'dino-open-')), DINO_HTTP_HOST: '0.0.0.0' });
    await expect(start).rejects.toThrow(/DINO_HTTP_HOST .*is not a loopback address: set DINO_API_KEY/);
  });
});
