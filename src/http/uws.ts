import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type * from 'uWebSockets.js';
import type * as Uws from 'uWebSockets.js';

/**
 * Loads the native uWebSockets.js binary that matches this Node.js directly (`uWebSockets.js` is the npm package
 * `@based/uws`, uWS v20.51). The package's own entry would fall back to a slow or missing implementation when no
 * binary fits; Dino refuses to start then, and says what would fit: Node 20 or 22 on glibc 2.27 or later, Node 24 on
 * glibc 2.38 or later.
 */
function loadNative(): typeof Uws {
  const require = createRequire(import.meta.url);
  const entryDir = dirname(require.resolve('uWebSockets.js'));
  const name = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  // Beside the entry (upstream's layout, @based/uws), or in binaries/ beside its src/ (older repackagings).
  const binary = [join(entryDir, name), join(entryDir, '..', 'binaries', name)].find(existsSync) ?? join(entryDir, name);
  try {
    return require(binary) as typeof Uws;
  } catch (err) {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    const libc = header?.glibcVersionRuntime ? ` with glibc ${header.glibcVersionRuntime}` : '';
    throw new Error(`uWebSockets.js has no working native binary for Node ${process.version} (ABI ${process.versions.modules}) `
      + `on ${process.platform}-${process.arch}${libc} (${binary}: ${(err as Error).message}). `
      + 'Dino runs on Node 20 or 22 (glibc 2.27 or later), or Node 24 with glibc 2.38 or later.');
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
