import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { portOpen } from '../../test/support/net.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The bench runs the built `dino` command: builds it when dist/ is missing or older than src/. */
export function ensureBuilt(): void {
  const cli = join(ROOT, 'dist', 'cli.js');
  if (existsSync(cli) && statSync(cli).mtimeMs >= newestMtime(join(ROOT, 'src'))) return;
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed: the bench needs a built dino');
}

export interface Services {
  mosquitto: boolean;
  redis: boolean;
  cassandra: boolean;
}

export async function probeServices(): Promise<Services> {
  const [mosquitto, redis, cassandra] = await Promise.all([
    portOpen('127.0.0.1', 1883), portOpen('127.0.0.1', 6379), portOpen('127.0.0.1', 9042),
  ]);
  return { mosquitto, redis, cassandra };
}
