import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The file a worker thread runs: `name` beside the calling module. Running from sources (tests, tsx) that file is
 * TypeScript and the thread needs the tsx loader; built, it is the .js beside the caller in dist/.
 */
export function siblingEntry(callerUrl: string, name: string): { filename: string; execArgv: string[] } {
  const caller = fileURLToPath(callerUrl);
  const ext = extname(caller);
  const filename = fileURLToPath(new URL(`./${name}${ext}`, callerUrl));
  return { filename, execArgv: ext === '.ts' ? ['--import', 'tsx'] : [] };
}

/**
 * A worker thread running `name` beside the calling module. From sources, Node 20 does not apply `--import tsx` given
 * in a worker's execArgv, so that thread registers tsx itself, then imports the TypeScript file.
 */
export function siblingThread(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  const { filename, execArgv } = siblingEntry(callerUrl, name);
  if (execArgv.length === 0) return new Worker(filename, options);
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(pathToFileURL(filename).href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
