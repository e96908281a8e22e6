import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonDepthScanner, nestsDeeperThan } from '../../src/http/json-depth.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

/** The nesting depth of a parsed JSON value: what the byte scan must agree with. */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value !== null && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

describe('JSON depth, before parsing (JsonDepthScanner)', () => {
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

  it('reads a body chunk by chunk as well as whole, however it is cut', () => {
    const text = fc.string({ unit: 'binary', maxLength: 8 });
    const json = fc.oneof(fc.jsonValue({ maxDepth: 6 }), fc.array(fc.array(fc.array(text))), fc.dictionary(text, fc.array(text)))
      .map((v) => bytes(JSON.stringify(v)));
    const cuts = fc.array(fc.nat(), { maxLength: 6 });
    fc.assert(fc.property(json, cuts, fc.integer({ min: 0, max: 6 }), (whole, at, max) => {
      const scanner = new JsonDepthScanner(max);
      const points = [...new Set(at.map((n) => n % (whole.length + 1)))].sort((a, b) => a - b);
      let deep = false;
      points.concat(whole.length).reduce((from, to) => {
        deep = scanner.tooDeep(whole.subarray(from, to)) || deep;
        return to;
      }, 0);
      expect(deep).toBe(nestsDeeperThan(whole, max));
    }), { numRuns: 1000 });
  });

  it('carries an escape across a cut right after the backslash', () => {
    const scanner = new JsonDepthScanner(1);
    expect(scanner.tooDeep(bytes('["\\'))).toBe(false); // ends inside a string, on one backslash
    expect(scanner.tooDeep(bytes('"[[[[" ]'))).toBe(false); // that quote was escaped: the brackets are text
    expect(nestsDeeperThan(bytes('["\\"[[[[" ]'), 1)).toBe(false);
  });
});
