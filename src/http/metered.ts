import type { HttpRecorder, RouteRecorder } from '../metrics/recorders.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from './uws.js';

type Handler = (res: HttpResponse, req: HttpRequest) => void;

/** The app's registering methods, with the method label of what they register (`any`: the request's own). */
const REGISTERING: Record<string, string | undefined> = {
  get: 'GET', post: 'POST', put: 'PUT', del: 'DELETE', patch: 'PATCH', head: 'HEAD', options: 'OPTIONS', any: undefined,
};
/** A method a client invents is labelled "other": labels come from a bounded set only. */
const METHODS = new Set(Object.values(REGISTERING).filter((m): m is string => m !== undefined));
/** The catch-all's pattern: whatever reaches `any` there matched no route. */
const CATCH_ALL = '/*';

/** A request's measurement, kept on its response until the answer is written (see `answered`). */
const METER = Symbol('dino.meter');
type MeteredResponse = HttpResponse & { [METER]?: { route: RouteRecorder; startedAt: number } };

/**
 * The app, with every handler registered on it measured: counted under the pattern it was registered with, never
 * the raw URL, so the series stay bounded; requests that match no route (the catch-all) count as route "unknown".
 * Routes registered by any part of the server are measured alike, without knowing of metrics.
 */
export function metered(app: TemplatedApp, recorder: HttpRecorder): TemplatedApp {
  const proxy: TemplatedApp = new Proxy(app, {
    get(target, name) {
      const value: unknown = Reflect.get(target, name);
      if (typeof value !== 'function') return value;
      if (typeof name !== 'string' || !(name in REGISTERING)) return value.bind(target);
      return (pattern: string, handler: Handler) => {
        value.call(target, pattern, measured(handler, routeOf(recorder, pattern, REGISTERING[name])));
        return proxy;
      };
    },
  });
  return proxy;
}

/** The recorder of a request: fixed for a route, by the request's method for `any`. */
function routeOf(recorder: HttpRecorder, pattern: string, method: string | undefined): (req: HttpRequest) => RouteRecorder {
  const route = pattern === CATCH_ALL && method === undefined ? 'unknown' : pattern;
  if (method !== undefined) {
    const fixed = recorder.route(route, method);
    return () => fixed;
  }
  const byMethod = new Map<string, RouteRecorder>();
  return (req) => {
    const asked = req.getMethod().toUpperCase();
    const label = METHODS.has(asked) ? asked : 'other';
    let found = byMethod.get(label);
    if (!found) byMethod.set(label, (found = recorder.route(route, label)));
    return found;
  };
}

function measured(handler: Handler, routeFor: (req: HttpRequest) => RouteRecorder): Handler {
  return (res, req) => {
    (res as MeteredResponse)[METER] = { route: routeFor(req), startedAt: performance.now() };
    handler(res, req);
  };
}

/** Records a measured request's answer; a response the app does not measure is left alone. */
export function answered(res: HttpResponse, status: number): void {
  const meter = (res as MeteredResponse)[METER];
  if (meter) meter.route.answered(status, (performance.now() - meter.startedAt) / 1000);
}
