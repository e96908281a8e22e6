import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameScanner, type FrameLimits } from '../../src/broker/frames.js';
import { connectPacket, publishPacket, remainingLength, subscribePacket } from '../support/mqtt-probe.js';

const LIMITS: FrameLimits = { maxPacketSize: 4096, maxFiltersPerSubscribe: 8 };

const unsubscribePacket = (filters: string[]) => {
  const body = Buffer.concat([Buffer.from([0, 7]), ...filters.map((f) => Buffer.concat([Buffer.from([0, f.length]), Buffer.from(f)]))]);
  return Buffer.concat([Buffer.from([0xa2]), remainingLength(body.length), body]);
};
const filters = (n: number) => Array.from({ length: n }, (_, i) => `dms/${1000 + i}`);

/** A client's bytes as a sequence of packets of every kind the scanner treats differently. */
const packets = fc.array(fc.oneof(
  fc.constant(connectPacket('1234', { username: '1234', password: 'x'.repeat(300) })),
  fc.integer({ min: 0, max: 4000 }).map((n) => publishPacket('1234', Buffer.alloc(n, 7), 1)),
  fc.integer({ min: 1, max: 8 }).map((n) => subscribePacket(3, filters(n))),
  fc.integer({ min: 1, max: 8 }).map((n) => unsubscribePacket(filters(n))),
  fc.constant(Buffer.from([0xc0, 0])), // PINGREQ: no body
), { minLength: 1, maxLength: 12 });

/** Cuts `bytes` at the given points (fractions of its length). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  return [0, ...at].map((start, i) => bytes.subarray(start, at[i] ?? bytes.length)).filter((c) => c.length > 0);
}

/** Feeds the chunks through one scanner: what it passed on, and its refusal if any. */
function scanAll(chunks: Buffer[], limits = LIMITS): { passed: Buffer; refused?: string } {
  const scanner = new FrameScanner(limits);
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    const scanned = scanner.scan(chunk);
    if ('refused' in scanned) return { passed: Buffer.concat(out), refused: scanned.refused };
    out.push(...scanned.out);
  }
  return { passed: Buffer.concat(out) };
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 });

describe('FrameScanner', () => {
  it('passes every byte of packets within the limits on, in order, however the stream is cut', () => {
    fc.assert(fc.property(packets, cuts, (list, at) => {
      const bytes = Buffer.concat(list);
      expect(scanAll(split(bytes, at))).toEqual({ passed: bytes });
    }));
  });

  it('refuses a (UN)SUBSCRIBE of 9 filters before any of its body goes on', () => {
    fc.assert(fc.property(packets, fc.boolean(), cuts, (before, unsubscribe, at) => {
      const head = Buffer.concat(before);
      const greedy = unsubscribe ? unsubscribePacket(filters(9)) : subscribePacket(3, filters(9));
      const { passed, refused } = scanAll(split(Buffer.concat([head, greedy, Buffer.from([0xc0, 0])]), at));
      expect(refused).toMatch(/more than 8 topic filters/);
      expect(passed.length).toBeLessThanOrEqual(head.length + 2);
      expect(head.subarray(0, passed.length).equals(passed.subarray(0, Math.min(passed.length, head.length)))).toBe(true);
    }));
  });

  it('refuses a packet over the size limit from its header, before its body arrives', () => {
    fc.assert(fc.property(packets, fc.integer({ min: 4094, max: 268_435_455 }), cuts, (before, length, at) => {
      const head = Buffer.concat(before);
      const header = Buffer.concat([Buffer.from([0x30]), remainingLength(length)]);
      const { passed, refused } = scanAll(split(Buffer.concat([head, header, Buffer.alloc(64)]), at));
      expect(refused).toMatch(/over the 4096 byte limit/);
      expect(passed.length).toBeLessThanOrEqual(head.length + header.length);
    }));
  });

  it('counts the fixed header in the packet size: 4096 bytes in all pass, 4097 do not', () => {
    const fits = publishPacket('t', Buffer.alloc(4096 - 3 - 3)); // 1 type byte + 2 length bytes + 3 topic bytes
    expect(fits.length).toBe(4096);
    expect(scanAll([fits])).toEqual({ passed: fits });
    expect(scanAll([publishPacket('t', Buffer.alloc(4096 - 3 - 3 + 1))]).refused).toBeDefined();
  });

  it('refuses a remaining length of more than four bytes', () => {
    expect(scanAll([Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])], { ...LIMITS, maxPacketSize: 268_435_460 }).refused)
      .toBe('malformed remaining length');
  });
});
