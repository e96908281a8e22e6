import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type * from 'uWebSockets.js';
import type * as Uws from 'uWebSockets.js';

/**
 * Loads the native uWebSockets.js binary directly. The package's own entry silently falls back to a slow Node.js
 * implementation when the binary does not load; Dino refuses to run on that fallback.
 */
function loadNative(): typeof Uws {
  const require = createRequire(import.meta.url);
  const entryDir = dirname(require.resolve('uWebSockets.js'));
  const name = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  // Beside the entry (upstream's binaries, @based/uws), or in binaries/ beside its src/ (the v20.30 repackaging).
  const binary = [join(entryDir, name), join(entryDir, '..', 'binaries', name)].find(existsSync) ?? join(entryDir, name);
  try {
    return require(binary) as typeof Uws;
  } catch (err) {
    throw new Error(`uWebSockets.js native binary failed to load (${binary}): ${(err as Error).message}`);
  }
}

/**
 * uWS writes a `uWebSockets: 20` header into every response. Its undocumented `_cfg('silent')` (the uWebSockets.js
 * entry of the TechEmpower benchmarks uses it) turns that off for this thread's loop, so answers do not name the
 * HTTP library. test/e2e/http-headers.test.ts notices if a version drops the switch.
 */
function silence(native: typeof Uws): typeof Uws {
  const cfg = (native as unknown as { _cfg?: (key: string) => void })._cfg;
  if (typeof cfg === 'function') cfg('silent');
  return native;
}

export const uws = silence(loadNative());
