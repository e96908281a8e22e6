import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const CORE = join(SRC, 'core');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []);
}

/** Relative module specifiers of every import/export-from in a file. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
}

describe('dependency direction', () => {
  it('src/core imports nothing outside src/core (adapters depend on the domain, never the reverse)', () => {
    const leaks = sourceFiles(CORE).flatMap((file) => relativeImports(file)
      .filter((spec) => relative(CORE, resolve(dirname(file), spec)).startsWith('..'))
      .map((spec) => `${relative(SRC, file)} imports ${spec}`));
    expect(leaks).toEqual([]);
  });

  it('the check itself sees imports (a file outside core that imports core is found)', () => {
    expect(relativeImports(join(SRC, 'runtime.ts')).some((spec) => spec.startsWith('./core/'))).toBe(true);
  });

  it('only src/metrics uses prom-client: the other parts get recorder interfaces', () => {
    const users = sourceFiles(SRC).filter((file) => /from\s+['"]prom-client['"]/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file));
    expect(users.length).toBeGreaterThan(0);
    expect(users.filter((file) => !file.startsWith('metrics/'))).toEqual([]);
  });
});
