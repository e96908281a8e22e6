import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

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
