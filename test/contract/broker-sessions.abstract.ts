import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUNNER = fileURLToPath(new URL('./broker-sessions.runner.ts', import.meta.url));

/** How many cases aedes-persistence's abstract suite holds, read from the suite itself. */
function abstractCaseCount(): number {
  return [...readFileSync(require.resolve('aedes-persistence/abstract.js'), 'utf8').matchAll(/^\s*test\(/gm)].length;
}

function runSuite(backend: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', RUNNER], {
      cwd: ROOT, env: { ...process.env, BROKER_SESSIONS: backend }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The failed cases with their details, and the closing counts: what a reader needs when the suite fails. */
function failureReport(output: string): string {
  const failed = output.split(/\n(?=# Subtest: )/).filter((block) => /^not ok /m.test(block));
  return [...failed.map((block) => block.slice(0, 3000)), output.slice(-600)].join('\n');
}

const count = (output: string, name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? NaN);

/**
 * aedes-persistence ships the abstract suite every aedes persistence must pass, written for node:test; it runs in a
 * child `node --test` and must pass every one of its cases.
 */
export function abstractSuiteAgainst(backend: 'sqlite' | 'redis', options: { skip?: boolean } = {}): void {
  describe(`aedes-persistence abstract suite: ${backend} broker sessions`, () => {
    it.skipIf(options.skip)('passes every case of the suite', async () => {
      const expected = abstractCaseCount();
      const { code, output } = await runSuite(backend);
      expect(code, failureReport(output)).toBe(0);
      expect({ tests: count(output, 'tests'), pass: count(output, 'pass'), fail: count(output, 'fail') })
        .toEqual({ tests: expected, pass: expected, fail: 0 });
      expect(expected).toBeGreaterThanOrEqual(50);
    }, 180_000);
  });
}
