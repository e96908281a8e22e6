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
});
