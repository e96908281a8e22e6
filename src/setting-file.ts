import { readFile } from 'node:fs/promises';
import { ConfigError, flagOf, type SettingName } from './config.js';

/** The text of a file a setting names (a key, a certificate); a file that cannot be read stops start-up, naming both. */
export async function readSettingFile(setting: SettingName, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${setting} (${flagOf(setting)}): cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
