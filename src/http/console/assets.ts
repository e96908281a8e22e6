import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * The console's script modules, compiled by `npm run build` from src/console-ui/ (its own tsconfig, DOM types) to
 * dist/console-ui/. The list is the route's parameter enum in /openapi.json, so it names every file served.
 */
export const CONSOLE_MODULES = ['main.js', 'config.js', 'dom.js', 'rest.js', 'session.js', 'feed.js', 'conversations.js', 'system.js'] as const;
/** Every file under /console/: the modules, the style sheet, and mqtt.js's browser bundle from node_modules. */
export const CONSOLE_ASSETS = [...CONSOLE_MODULES, 'console.css', 'mqtt.min.js'] as const;
export type ConsoleAsset = (typeof CONSOLE_ASSETS)[number];

/** One file as served: its bytes, gzipped once at start (browsers all accept gzip), and a tag for revalidation. */
export interface ServedFile {
  contentType: string;
  plain: Buffer;
  gzipped: Buffer;
  etag: string;
}

/** The package root: three levels above src/http/console and dist/http/console alike. */
const ROOT = new URL('../../../', import.meta.url);
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.html': 'text/html; charset=utf-8',
};

function where(asset: ConsoleAsset): URL {
  if (asset === 'mqtt.min.js') {
    // mqtt's exports map `mqtt/dist/*` to `dist/*.js`: the same bundle its `browser` condition names.
    return pathToFileURL(createRequire(import.meta.url).resolve('mqtt/dist/mqtt.min'));
  }
  if (asset === 'console.css') return new URL('public/console/console.css', ROOT);
  return new URL(`dist/console-ui/${asset}`, ROOT);
}

export function servedFile(bytes: Buffer, path: string): ServedFile {
  const extension = path.slice(path.lastIndexOf('.'));
  return {
    contentType: TYPES[extension] ?? 'application/octet-stream',
    plain: bytes,
    gzipped: gzipSync(bytes, { level: 9 }),
    etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`,
  };
}

/** Every asset read into memory once; a missing one (the browser code not built) stops start-up with the reason. */
export function loadAssets(): Map<string, ServedFile> {
  const files = new Map<string, ServedFile>();
  for (const asset of CONSOLE_ASSETS) {
    const url = where(asset);
    if (!existsSync(url)) throw new Error(`web console: ${fileURLToPath(url)} is missing: run \`npm run build\` (or set DINO_CONSOLE=false)`);
    files.set(asset, servedFile(readFileSync(url), asset));
  }
  return files;
}

/** The page's HTML, from public/console/index.html. */
export const pageTemplate = (): string => readFileSync(new URL('public/console/index.html', ROOT), 'utf8');
