import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDino, type DinoProcess } from '../../test/support/dino-process.js';

const BIN = fileURLToPath(new URL('../../bin/dino.js', import.meta.url));
export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
const PROFILE_THREADS = fileURLToPath(new URL('./profile-threads.cjs', import.meta.url));

/**
 * Set by `--profile`: Dino's main thread writes a V8 CPU profile there when it exits (node --cpu-prof), its worker
 * threads write theirs in slices (profile-threads.cjs).
 */
let profileDir: string | undefined;
export function profileDinoInto(dir: string): void {
  mkdirSync(dir, { recursive: true });
  profileDir = dir;
}

/** Set by `--dino-env`: settings every Dino process of the run gets, e.g. to compare tunings. */
let settingsForAll: Record<string, string> = {};
export function configureAllDinos(settings: Record<string, string>): void {
  settingsForAll = settings;
}

export interface BenchDino extends DinoProcess {
  pid: number;
  /** Stops the process and removes its data directory; resolves with warnings and errors it logged meanwhile. */
  close(): Promise<string[]>;
}

/** Runs `dino <command>` with free ports and a throw-away data directory. */
export async function launchDino(command: 'start' | 'server' | 'fanout', env: Record<string, string> = {}): Promise<BenchDino> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dino-bench-'));
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const profileEnv: Record<string, string> = profileDir
    ? { NODE_OPTIONS: `--require ${PROFILE_THREADS}`, DINO_BENCH_PROFILE_DIR: profileDir } : {};
  const dino = await startDino(command, { DINO_DATA_DIR: dataDir, ...profileEnv, ...settingsForAll, ...env }, nodeArgs);
  return {
    ...dino,
    pid: dino.child.pid!,
    async close() {
      const code = await dino.stop();
      rmSync(dataDir, { recursive: true, force: true });
      const troubles = dino.logs.filter((line) => /"level":(4|5|6)\d/.test(line));
      if (code !== 0) troubles.push(`dino ${command} exited with ${code}`);
      return troubles;
    },
  };
}

/** Runs `dino migrate` with the given environment; rejects with its output if it fails. */
export function migrate(env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'migrate'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`dino migrate exited with ${code}:\n${output}`))));
  });
}
