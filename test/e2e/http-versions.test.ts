import { dinoForSuite } from '../support/dino-suite.js';
import { describe, expect, it } from 'vitest';
import { rawHttp } from '../support/raw-http.js';

/**
 * Proxies speak HTTP/1.0 by default (nginx's `proxy_http_version`) and some clients send no Host header. uWS serves
 * neither, but it must say so at once instead of leaving the connection hanging until a timeout.
 */
describe('requests the HTTP library does not serve are answered at once', () => {
  const suite = dinoForSuite();

  it('HTTP/1.0: 505, connection closed', async () => {
    for (const request of ['GET /healthz HTTP/1.0\r\n\r\n', 'GET /healthz HTTP/1.0\r\nHost: dino\r\n\r\n']) {
      const started = Date.now();
      const exchange = await rawHttp(suite.dino.httpPort, request, 5000);
      expect(exchange.text).toMatch(/^HTTP\/1\.1 505 /);
      expect(exchange.closed).toBe(true);
      expect(Date.now() - started).toBeLessThan(4000); // not the 5 s wait running out
    }
  });

  it('HTTP/1.1 without Host: 400, connection closed', async () => {
    const exchange = await rawHttp(suite.dino.httpPort, 'GET /healthz HTTP/1.1\r\n\r\n', 5000);
    expect(exchange.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(exchange.closed).toBe(true);
  });

  it('HTTP/1.1 with Host: served', async () => {
    const exchange = await rawHttp(suite.dino.httpPort, 'GET /healthz HTTP/1.1\r\nHost: dino\r\nConnection: close\r\n\r\n', 5000);
    expect(exchange.text).toMatch(/^HTTP\/1\.1 200 /);
  });
});
