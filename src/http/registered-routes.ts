import type { TemplatedApp } from './uws.js';

export interface RegisteredRoute {
  /** uWebSockets.js's name: `get`, `post`, `put`, `del`, `options`, `any`… */
  method: string;
  pattern: string;
}

const ROUTE_METHODS = new Set(['get', 'post', 'put', 'del', 'patch', 'options', 'head', 'connect', 'trace', 'any', 'ws']);

/**
 * The app, noting in `registered` every route registered on it: test/unit/openapi-routes.test.ts compares them with
 * the OpenAPI document, so no route is served undocumented. Only registration goes through here; requests do not.
 */
export function recordRoutes(app: TemplatedApp, registered: RegisteredRoute[]): TemplatedApp {
  return new Proxy(app, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (typeof property === 'string' && ROUTE_METHODS.has(property)) {
        return (pattern: string, handler: unknown) => {
          registered.push({ method: property, pattern });
          value.call(target, pattern, handler);
          return receiver;
        };
      }
      return value.bind(target);
    },
  });
}
