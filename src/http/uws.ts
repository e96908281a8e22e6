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
  const packageDir = dirname(require.resolve('uWebSockets.js/package.json'));
  const binary = join(packageDir, 'binaries', `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
  try {
    return require(binary) as typeof Uws;
  } catch (err) {
    throw new Error(`uWebSockets.js native binary failed to load (${binary}): ${(err as Error).message}`);
  }
}

export const uws = loadNative();
