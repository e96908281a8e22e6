import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settings } from '../../src/config.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's configuration table is the one complete list of settings: it and src/config.ts must agree. */
describe('README configuration table', () => {
  const table = README.slice(README.indexOf('## Configuration'), README.indexOf('\n## ', README.indexOf('## Configuration') + 1));

  it('names every setting of src/config.ts', () => {
    expect(Object.keys(settings).filter((name) => !table.includes(`\`${name}\``))).toEqual([]);
  });

  it('names no setting that does not exist', () => {
    const named = new Set(table.match(/\bDINO_[A-Z0-9_]+/g) ?? []);
    expect([...named].filter((name) => !(name in settings))).toEqual([]);
  });
});
