import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Dino } from '../../src/core/dino.js';
import { apiEndpoints } from '../../src/http/openapi/api.js';
import { HttpServer } from '../../src/http/server.js';
import { DinoMetrics } from '../../src/metrics/registry.js';

/** Registering touches no part of Dino: the routes only call it when a request comes. */
const unusedDino = {} as Dino;
const isFallback = (pattern: string) => pattern.includes('*');

describe('the routes HttpServer registers and the OpenAPI document', () => {
  it('are the same: no route is served undocumented, none is documented but not served', () => {
    const server = new HttpServer(unusedDino, loadConfig({}).http, [], { recorder: new DinoMetrics() });
    const registered = server.routes.filter((r) => !isFallback(r.pattern)).map((r) => `${r.method} ${r.pattern}`);
    const documented = Object.values(apiEndpoints).map((e) => `${e.method} ${e.pattern}`);
    expect(registered.sort()).toEqual(documented.sort());
  });

  it('leave out only the fallbacks: CORS preflight (with origins) and the 404 for anything else', () => {
    const server = new HttpServer(unusedDino, loadConfig({ DINO_CORS_ORIGINS: 'https://app.example.com' }).http, [], { recorder: new DinoMetrics() });
    expect(server.routes.filter((r) => isFallback(r.pattern))).toEqual([
      { method: 'options', pattern: '/*' },
      { method: 'any', pattern: '/*' },
    ]);
  });
});
