/**
 * Reads V8 CPU profiles (`npm run bench -- --profile` writes them for every Dino thread to
 * bench/results/tmp/profiles-*) and prints where each thread's time went: self time by function, and total
 * (inclusive) time of Dino's own functions. A worker thread's slices (worker-<pid>-<thread>-<n>) count as one.
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile | directory> [--top 25]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
const top = Number(values.top);
const files = positionals.flatMap((p) => (statSync(p).isDirectory()
  ? readdirSync(p).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(p, f)) : [p]));

const where = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\//, '');
  const short = file.includes('node_modules/') ? file.slice(file.lastIndexOf('node_modules/') + 13) : relative(process.cwd(), file) || file;
  return `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
};

interface Totals {
  total: number;
  idle: number;
  selfBy: Map<string, number>;
  inclusiveBy: Map<string, number>;
}

const add = (map: Map<string, number>, key: string, t: number) => map.set(key, (map.get(key) ?? 0) + t);

function accumulate(file: string, into: Totals): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  for (const [id, t] of self) {
    into.total += t;
    if (/^\(idle\)$/.test(byId.get(id)!.callFrame.functionName)) into.idle += t;
    add(into.selfBy, where(byId.get(id)!), t);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const key = where(byId.get(n)!);
      if (seen.has(key) || !byId.get(n)!.callFrame.url.includes('/dist/')) continue;
      seen.add(key);
      add(into.inclusiveBy, key, t);
    }
  }
}

function print(name: string, { total, idle, selfBy, inclusiveBy }: Totals): void {
  const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
  console.log(`\n== ${name}: ${(total / 1e6).toFixed(1)} s sampled, ${pct(total - idle)} busy`);
  console.log('-- self time');
  for (const [key, t] of [...selfBy].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${key}`);
  console.log('-- inclusive time, Dino functions (dist/)');
  for (const [key, t] of [...inclusiveBy].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${key}`);
}

const threads = new Map<string, Totals>();
for (const file of files.sort()) {
  const name = file.replace(/-\d+\.cpuprofile$/, '').replace(/\.cpuprofile$/, '');
  if (!threads.has(name)) threads.set(name, { total: 0, idle: 0, selfBy: new Map(), inclusiveBy: new Map() });
  accumulate(file, threads.get(name)!);
}
for (const [name, totals] of threads) print(name, totals);
