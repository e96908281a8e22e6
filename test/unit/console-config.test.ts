import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Dino } from '../../src/core/dino.js';
import { consoleBroker } from '../../src/http/console/broker.js';
import { HttpServer } from '../../src/http/server.js';
import { DinoMetrics } from '../../src/metrics/registry.js';

const KEY = 'console-config-key-0123456789';
const consoleRoutes = (env: Record<string, string>) =>
  new HttpServer({} as Dino, loadConfig(env).http, [], { recorder: new DinoMetrics() }).routes
    .filter((route) => route.pattern.includes('/console')).map((route) => route.pattern);

describe('DINO_CONSOLE', () => {
  it('is on by default for a loopback listener, and serves the page, its files and its status', () => {
    expect(loadConfig({}).http.console).toBe(true);
    expect(loadConfig({ DINO_HTTP_HOST: '::1' }).http.console).toBe(true);
    expect(consoleRoutes({}).sort()).toEqual(['/console', '/console/:asset', '/v1/console/status']);
  });

  it('is off by default beyond loopback: no /console route at all', () => {
    expect(loadConfig({ DINO_HTTP_HOST: '0.0.0.0', DINO_API_KEY: KEY }).http.console).toBe(false);
    expect(consoleRoutes({ DINO_HTTP_HOST: '0.0.0.0', DINO_API_KEY: KEY })).toEqual([]);
  });

  it('turns it on beyond loopback only when asked by name, and off anywhere', () => {
    expect(loadConfig({ DINO_HTTP_HOST: '0.0.0.0', DINO_API_KEY: KEY, DINO_CONSOLE: 'true' }).http.console).toBe(true);
    expect(consoleRoutes({ DINO_CONSOLE: 'false' })).toEqual([]);
    expect(() => loadConfig({ DINO_CONSOLE: 'yes' })).toThrow(/DINO_CONSOLE \(--console\)/);
  });
});

describe('the broker as the console page is told of it', () => {
  const auth = loadConfig({}).auth;
  const mqtt = (url?: string) => ({ ...loadConfig({}).mqtt, url });

  it('is the embedded broker\'s WebSocket port', () => {
    expect(consoleBroker(mqtt(), auth, 8083)).toEqual({ wsPort: 8083, wsUrl: undefined, topicPrefix: '', tokens: false, minting: false });
  });

  it('is an external broker\'s WebSocket URL without the credentials Dino\'s publishers use, or none for mqtt://', () => {
    expect(consoleBroker(mqtt('wss://dino-fanout:secret@broker.example:8084/mqtt'), auth, undefined).wsUrl).toBe('wss://broker.example:8084/mqtt');
    expect(consoleBroker(mqtt('mqtt://broker.example:1883'), auth, undefined).wsUrl).toBeUndefined();
  });

  it('says when the broker wants tokens and whether Dino can mint them', () => {
    const secure = loadConfig({ DINO_JWT_SECRET: 'x'.repeat(32) }).auth;
    expect(consoleBroker(mqtt(), secure, 1)).toMatchObject({ tokens: true, minting: true });
  });
});
