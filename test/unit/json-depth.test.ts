import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from '../../src/http/json-depth.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

/** The nesting depth of a parsed JSON value: what the byte scan must agree with. */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value !== null && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

describe('nestsDeeperThan (JSON depth, before parsing)', () => {
  it('counts arrays and objects', () => {
    expect(nestsDeeperThan(bytes('[[[]]]'), 3)).toBe(false);
    expect(nestsDeeperThan(bytes('[[[[]]]]'), 3)).toBe(true);
    expect(nestsDeeperThan(bytes('{"a":{"b":[{}]}}'), 3)).toBe(true);
    expect(nestsDeeperThan(bytes('[[1],[2],{"a":3}]'), 2)).toBe(false);
    expect(nestsDeeperThan(bytes('7'), 0)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes and backslashes included', () => {
    expect(nestsDeeperThan(bytes('["[[[[", "{{{{"]'), 1)).toBe(false);
    expect(nestsDeeperThan(bytes(JSON.stringify(['\\"[[[', '\\\\', '"]]]{{{'])), 1)).toBe(false);
    expect(nestsDeeperThan(bytes(JSON.stringify({ 'k[[[': 'v\\"{{{' })), 1)).toBe(false);
    expect(nestsDeeperThan(bytes(JSON.stringify(['\\', [[]]])), 2)).toBe(true);
  });

  it('stops at the first level too deep, however long the text', () => {
    const huge = Buffer.alloc(16 * 1024 * 1024, '[');
    const started = performance.now();
    expect(nestsDeeperThan(huge, 64)).toBe(true);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('agrees with the depth of the parsed value for any JSON', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 8 }), (value, max) => {
      expect(nestsDeeperThan(bytes(JSON.stringify(value)), max)).toBe(depthOf(value) > max);
    }), { numRuns: 500 });
  });

  it('agrees for text with any characters, multi-byte ones and lone surrogates included', () => {
    const text = fc.string({ unit: 'binary', maxLength: 20 });
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, text, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(text, tie('node'), { maxKeys: 3 })),
    })).node;
    fc.assert(fc.property(value, fc.integer({ min: 0, max: 6 }), (v, max) => {
      expect(nestsDeeperThan(bytes(JSON.stringify(v)), max)).toBe(depthOf(v) > max);
    }), { numRuns: 500 });
  });
});
