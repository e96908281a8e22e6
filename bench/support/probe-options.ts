import { parseArgs } from 'node:util';
import { settingsList } from '../options.js';
import { configureAllDinos, profileDinoInto } from './dino.js';

/**
 * The options the CPU-per-send probes share (bench/send-cpu.ts, bench/send-cpu-cassandra.ts): `--sends`,
 * `--connections`, `--runs`, `--profile <dir>` (V8 CPU profiles of Dino's threads, set up here) and `--dino-env`
 * (settings for Dino's process, as in `npm run bench`; e.g. `NODE_OPTIONS=--max-semi-space-size=32`), plus the
 * probe's own boolean flags. `--seconds` (where `timed`: bench/send-cpu-cassandra.ts): each load runs that long
 * instead of for `--sends` operations.
 */
export function probeOptions<F extends string>(flags: readonly F[] = [], { timed = false } = {}) {
  const { values } = parseArgs({
    options: {
      sends: { type: 'string' },
      seconds: { type: 'string' },
      connections: { type: 'string', default: '50' },
      runs: { type: 'string', default: '3' },
      profile: { type: 'string' },
      'dino-env': { type: 'string', default: '' },
      ...Object.fromEntries(flags.map((flag) => [flag, { type: 'boolean' as const, default: false }])),
    },
  });
  if (typeof values.profile === 'string') profileDinoInto(values.profile);
  configureAllDinos(settingsList(String(values['dino-env'])));
  const given = values as Record<string, unknown>;
  const flagValues = Object.fromEntries(flags.map((flag) => [flag, given[flag] === true])) as Record<F, boolean>;
  const seconds = typeof values.seconds === 'string' ? Number(values.seconds) : undefined;
  if (seconds !== undefined) {
    if (!timed) throw new Error('--seconds: this probe runs a number of operations (--sends)');
    if (!(seconds > 0 && Number.isFinite(seconds))) throw new Error(`--seconds: expected a positive number, got ${values.seconds}`);
    if (values.sends !== undefined) throw new Error('--seconds and --sends: give one of them');
  }
  return { sends: Number(values.sends ?? 20_000), seconds, connections: Number(values.connections), runs: Number(values.runs), flags: flagValues };
}
