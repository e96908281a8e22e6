import { describe, expect, it } from 'vitest';
import { newTimeUuid, oneToOneGroupId, timeUuidAt, timeUuidMicros } from '../../src/core/ids.js';

describe('one-to-one group id', () => {
  it('follows the original scheme and ignores argument order', () => {
    expect(oneToOneGroupId(1234, 8888)).toBe('00000000-0000-04d2-0000-0000000022b8');
    expect(oneToOneGroupId(8888, 1234)).toBe(oneToOneGroupId(1234, 8888));
    expect(oneToOneGroupId(1, Number.MAX_SAFE_INTEGER)).toBe('00000000-0000-0001-001f-ffffffffffff');
  });
});

describe('time-based message ids', () => {
  it('are version-1 UUIDs whose time is the returned microsecond', () => {
    const { id, micros } = newTimeUuid();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(timeUuidMicros(id)).toBe(micros);
    expect(Math.abs(micros / 1000 - Date.now())).toBeLessThan(1000);
  });

  it('never repeat and strictly increase within a process, even in a tight loop', () => {
    const made = Array.from({ length: 10_000 }, () => newTimeUuid());
    expect(new Set(made.map((m) => m.id)).size).toBe(made.length);
    for (let i = 1; i < made.length; i++) expect(made[i]!.micros).toBeGreaterThan(made[i - 1]!.micros);
  });

  it('round-trip an arbitrary time', () => {
    const micros = 1597877384794828;
    expect(timeUuidMicros(timeUuidAt(micros, 7, new Uint8Array(6)))).toBe(micros);
  });

  it('agree with RFC 4122 arithmetic done in BigInt, at times across the whole range', () => {
    // The ids are computed in two 32-bit halves of plain numbers; this is the same layout computed the slow, exact way.
    const offset = 122_192_928_000_000_000n;
    const reference = (micros: number, seq: number, node: Uint8Array) => {
      const ticks = BigInt(micros) * 10n + offset;
      const hex = (v: bigint, n: number) => v.toString(16).padStart(n, '0');
      return `${hex(ticks & 0xffffffffn, 8)}-${hex((ticks >> 32n) & 0xffffn, 4)}-${hex(((ticks >> 48n) & 0xfffn) | 0x1000n, 4)}-`
        + `${hex(BigInt((seq & 0x3fff) | 0x8000), 4)}-${Buffer.from(node).toString('hex')}`;
    };
    const node = Uint8Array.from([0x01, 0x23, 0x45, 0x67, 0x89, 0xab]);
    const times = [0, 1, 2 ** 32 - 1, 2 ** 32, 1597877384794828, 1795794427773389, 2 ** 52, Number.MAX_SAFE_INTEGER - 2 ** 40];
    for (let i = 0; i < 2000; i++) times.push(Math.floor(Math.random() * 2 ** (20 + (i % 33))));
    for (const [i, micros] of times.entries()) {
      const id = timeUuidAt(micros, i, node);
      expect(id).toBe(reference(micros, i, node));
      expect(timeUuidMicros(id)).toBe(micros);
    }
    // An id made elsewhere (100 ns ticks, not whole microseconds) reads as the microsecond it falls in.
    expect(timeUuidMicros('13814005-1dd2-11b2-8000-000000000000')).toBe(0);
    expect(timeUuidMicros('1381400a-1dd2-11b2-8000-000000000000')).toBe(1);
  });
});
