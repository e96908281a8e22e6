import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('has working defaults: embedded everything', () => {
    const c = loadConfig({});
    expect(c.http).toMatchObject({ host: '127.0.0.1', port: 8080, bodyLimit: 1024 * 1024, notificationBodyLimit: 16 * 1024 * 1024 });
    expect(c.mqtt).toMatchObject({ port: 1883, wsPort: 8083, topicPrefix: '' });
    expect(c.cassandra).toBeUndefined();
    expect(c.redis).toBeUndefined();
    expect(c.fanOut.workers).toBeGreaterThan(0);
    expect(c.logLevel).toBe('info');
    expect(c.http).toMatchObject({ maxRecipients: 1_000_000, corsOrigins: [] });
    expect(c.idempotency).toEqual({ maxKeys: 100_000 });
  });

  it('works on 256 broadcasts at once with the embedded queue, 8 with Redis, unless DINO_FANOUT_CONCURRENCY says', () => {
    const redis = { DINO_REDIS_URL: 'redis://127.0.0.1:6379' };
    expect(loadConfig({}).fanOut.concurrency).toBe(256);
    expect(loadConfig(redis).fanOut.concurrency).toBe(8);
    expect(loadConfig({ DINO_FANOUT_CONCURRENCY: '3' }).fanOut.concurrency).toBe(3);
    expect(loadConfig({ ...redis, DINO_FANOUT_CONCURRENCY: '100' }).fanOut.concurrency).toBe(100);
  });

  it('reads CORS origins as the browser sends them', () => {
    const c = loadConfig({ DINO_CORS_ORIGINS: 'https://App.example.com, http://localhost:3000/ ,https://x.org:443' });
    expect(c.http.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:3000', 'https://x.org']);
  });

  it('reads the attachment types: the original\'s by name and number by default, audio unlisted; a list of one\'s own', () => {
    expect(loadConfig({}).conversations.attachmentTypes).toEqual({ types: ['image', 'video', 'audio', '3', '9', '10'], unlisted: ['audio', '10'] });
    const c = loadConfig({ DINO_ATTACHMENT_TYPES: ' photo, clip ', DINO_ATTACHMENT_UNLISTED_TYPES: 'none' });
    expect(c.conversations.attachmentTypes).toEqual({ types: ['photo', 'clip'], unlisted: [] });
    expect(() => loadConfig({ DINO_ATTACHMENT_TYPES: 'x'.repeat(65) })).toThrow(/^DINO_ATTACHMENT_TYPES/);
  });

  it('enables Cassandra and Redis when their settings are given', () => {
    const c = loadConfig({ DINO_CASSANDRA_CONTACT_POINTS: '10.0.0.1:9042, db2', DINO_REDIS_URL: 'redis://127.0.0.1:6379/2' });
    expect(c.cassandra?.contactPoints).toEqual(['10.0.0.1:9042', 'db2']);
    expect(c.redis).toMatchObject({ url: 'redis://127.0.0.1:6379/2', stream: 'dino:broadcast', group: 'dino-fanout' });
  });

  it('refuses listeners beyond loopback without credentials, unless DINO_INSECURE=true', () => {
    expect(() => loadConfig({ DINO_HTTP_HOST: '0.0.0.0' })).toThrow(/^DINO_HTTP_HOST .*DINO_API_KEY/);
    const key = { DINO_API_KEY: 'k'.repeat(16) };
    expect(() => loadConfig({ ...key, DINO_HTTP_HOST: '0.0.0.0', DINO_MQTT_HOST: '0.0.0.0' })).toThrow(/^DINO_MQTT_HOST .*DINO_JWT_SECRET/);
    expect(loadConfig({ ...key, DINO_HTTP_HOST: '0.0.0.0', DINO_MQTT_HOST: '::', DINO_JWT_SECRET: 's'.repeat(32) }).mqtt.host).toBe('::');
    expect(loadConfig({ DINO_HTTP_HOST: '0.0.0.0', DINO_MQTT_URL: 'mqtt://broker:1883', ...key }).http.apiKeys).toEqual(['k'.repeat(16)]);
    expect(loadConfig({ DINO_HTTP_HOST: '0.0.0.0', DINO_MQTT_HOST: '0.0.0.0', DINO_INSECURE: 'true' }).auth.insecure).toBe(true);
    expect(loadConfig({ DINO_HTTP_HOST: '127.0.0.2', DINO_MQTT_HOST: 'localhost' }).http.host).toBe('127.0.0.2');
  });

  it('serves metrics on the API only, unless a port is given; beyond loopback that port needs DINO_METRICS_KEY', () => {
    expect(loadConfig({}).metrics).toEqual({ port: undefined, keys: undefined });
    expect(loadConfig({ DINO_METRICS_PORT: '9464', DINO_METRICS_KEY: 'scrape-key-16-chars' }).metrics)
      .toEqual({ port: 9464, keys: ['scrape-key-16-chars'] });
    const exposed = { DINO_HTTP_HOST: '0.0.0.0', DINO_API_KEY: 'k'.repeat(16), DINO_METRICS_PORT: '9464' };
    expect(() => loadConfig(exposed)).toThrow(/^DINO_METRICS_PORT .*DINO_METRICS_KEY/);
    expect(loadConfig({ ...exposed, DINO_METRICS_KEY: 'm'.repeat(16) }).metrics.port).toBe(9464);
    expect(loadConfig({ ...exposed, DINO_INSECURE: 'true' }).metrics.port).toBe(9464);
  });

  it('reads key lists and durations', () => {
    expect(loadConfig({ DINO_API_KEY: 'a-key-of-16-chars, another-long-key ' }).http.apiKeys).toEqual(['a-key-of-16-chars', 'another-long-key']);
    expect(loadConfig({ DINO_JWT_TTL: '15m' }).auth.jwtTtlSeconds).toBe(900);
    expect(loadConfig({}).auth.jwtTtlSeconds).toBe(86_400);
    expect(loadConfig({}).mqtt.sessionExpirySeconds).toBe(7 * 86_400);
    expect(loadConfig({ DINO_MQTT_SESSION_EXPIRY: '2h' }).mqtt.sessionExpirySeconds).toBe(7200);
  });

  it('lets a flag win over the environment', () => {
    expect(loadConfig({ DINO_HTTP_PORT: '1' }, { DINO_HTTP_PORT: '0' }).http.port).toBe(0);
  });

  it.each([
    ['DINO_HTTP_PORT', '70000'],
    ['DINO_HTTP_PORT', 'eighty'],
    ['DINO_WORKERS', '0'],
    ['DINO_REDIS_URL', 'localhost:6379'],
    ['DINO_MQTT_URL', 'http://broker'],
    ['DINO_MQTT_TOPIC_PREFIX', 'dms/#'],
    ['DINO_CASSANDRA_CONTACT_POINTS', 'a b'],
    ['DINO_CASSANDRA_CONTACT_POINTS', '127.0.0.1:9142,127.0.0.2:9043'],
    ['DINO_LOG_LEVEL', 'loud'],
    ['DINO_API_KEY', 'short'],
    ['DINO_JWT_SECRET', 'short'],
    ['DINO_JWT_TTL', '1 week'],
    ['DINO_INSECURE', 'yes'],
    ['DINO_CORS_ORIGINS', '*'],
    ['DINO_CORS_ORIGINS', 'https://a.example/app'],
    ['DINO_CORS_ORIGINS', 'app.example.com'],
    ['DINO_MAX_RECIPIENTS', '0'],
    ['DINO_IDEMPOTENCY_MAX_KEYS', 'many'],
    ['DINO_METRICS_PORT', '-1'],
    ['DINO_METRICS_KEY', 'short'],
  ])('refuses %s=%s naming the variable and its flag', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name} \\(--`));
  });
});
