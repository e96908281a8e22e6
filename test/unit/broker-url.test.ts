import { describe, expect, it } from 'vitest';
import { withoutLogin } from '../../src/broker-url.js';

describe('a broker URL as it may be logged or shown', () => {
  it('loses the login it carries, and nothing else', () => {
    expect(withoutLogin('mqtts://dino-publisher:s3cr%40t@broker.example:8883')).toBe('mqtts://broker.example:8883');
    expect(withoutLogin('wss://user:pw@broker.example/mqtt?x=1')).toBe('wss://broker.example/mqtt?x=1');
    expect(withoutLogin('mqtt://127.0.0.1:1883')).toBe('mqtt://127.0.0.1:1883');
  });
});
