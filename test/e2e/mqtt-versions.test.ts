import { connect } from 'mqtt';
import { dinoForSuite } from '../support/dino-suite.js';
import { describe, expect, it } from 'vitest';

/** The embedded broker (aedes) speaks MQTT 3.1 and 3.1.1; an MQTT 5 client is refused at once, with a reason. */
describe('MQTT protocol versions of the embedded broker', () => {
  const suite = dinoForSuite();

  const attempt = (protocolVersion: 3 | 4 | 5) => new Promise<string>((resolve) => {
    const client = connect(`mqtt://127.0.0.1:${suite.dino.mqttPort}`, { protocolVersion, clientId: '77', username: '77', reconnectPeriod: 0 });
    client.once('connect', () => client.end(true, () => resolve('connected')));
    client.once('error', (err) => client.end(true, () => resolve(err.message)));
  });

  it('accepts 3.1 and 3.1.1, and refuses 5 with "unacceptable protocol version" (CONNACK 1)', async () => {
    expect(await attempt(3)).toBe('connected');
    expect(await attempt(4)).toBe('connected');
    expect(await attempt(5)).toMatch(/Unacceptable protocol version/);
  });
});
