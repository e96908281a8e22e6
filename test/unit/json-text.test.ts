import { describe, expect, it } from 'vitest';
import { jsonString, secondsJson } from '../../src/core/json-text.js';

/** A repeatable stream of numbers in [0, 1) (a linear congruential generator), so a failure can be run again. */
function numbers(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('jsonString', () => {
  it('equals JSON.stringify for plain, escaped and non-ASCII strings', () => {
    const cases = ['', 'a1b2c3d4-0000-4000-8000-000000000000', 'text', 'bench message', ' !#$%&\'()*+,-./:;<=>?@[]^_`{|}~',
      'say "hi"', 'back\\slash', 'tab\there', 'line\nbreak', '\u0000\u001f\u007f', 'é', '日本語', '😀', '\ud800', 'a\udc00b',
      '\u2028\u2029', 'x'.repeat(70_000), `${'y'.repeat(5000)}"`];
    for (const s of cases) expect(jsonString(s)).toBe(JSON.stringify(s));
  });

  it('equals JSON.stringify for every single UTF-16 unit', () => {
    for (let unit = 0; unit <= 0xffff; unit++) {
      const s = `a${String.fromCharCode(unit)}b`;
      expect(jsonString(s)).toBe(JSON.stringify(s));
    }
  });
});

describe('secondsJson', () => {
  const expected = (micros: number) => JSON.stringify(micros / 1e6);

  it('equals JSON.stringify of the seconds at the edges of its written-out range and beyond', () => {
    const cases = [0, 1, 9, 10, 100_000, 999_999, 1_000_000, 1_000_001, 1_500_000, 1_764_358_024_123_456, 1_764_358_024_100_000,
      1_764_358_024_000_000, 1_764_358_024_000_001, 8e15 - 1, 8e15 - 1_000_000, 8e15, 8e15 + 1, 2 ** 53 - 1, 2 ** 53, 1e21,
      -1, -1_500_000, 0.5, 1_764_358_024_123_456.5, Number.NaN, Number.POSITIVE_INFINITY, -0];
    for (const micros of cases) expect(secondsJson(micros), String(micros)).toBe(expected(micros));
  });

  it('equals JSON.stringify of the seconds for a million times spread over its range, and around every second', () => {
    const next = numbers(20261128);
    for (let i = 0; i < 1_000_000; i++) {
      const micros = Math.floor((next() + next() / 2 ** 31) * 8e15); // two draws: every microsecond can come up
      if (secondsJson(micros) !== expected(micros)) expect(secondsJson(micros), String(micros)).toBe(expected(micros));
    }
    for (let second = 0; second < 8e9; second += 7_777_777) {
      for (const offset of [-1, 0, 1, 10, 999_990, 999_999]) {
        const micros = second * 1e6 + offset;
        if (micros >= 0) expect(secondsJson(micros), String(micros)).toBe(expected(micros));
      }
    }
  });
});
