import { describe, expect, it } from 'vitest';
import { Fifo } from '../../src/fifo.js';

describe('Fifo', () => {
  it('gives items back in order, across its compactions, with put-back items first', () => {
    const line = new Fifo<number>();
    const out: number[] = [];
    for (let i = 0; i < 5000; i++) line.push(i);
    for (let i = 0; i < 3000; i++) out.push(line.shift()!);
    line.unshift(-1);
    for (let i = 5000; i < 6000; i++) line.push(i);
    expect(line.length).toBe(3001);
    while (line.length > 0) out.push(line.shift()!);
    expect(line.shift()).toBeUndefined();
    expect(out).toEqual([...Array.from({ length: 3000 }, (_, i) => i), -1, ...Array.from({ length: 3000 }, (_, i) => i + 3000)]);
    line.unshift(7);
    expect([line.length, line.shift(), line.length]).toEqual([1, 7, 0]);
  });
});
