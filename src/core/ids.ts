import { randomBytes, randomUUID } from 'node:crypto';
import { nowMicros, type Micros } from './time.js';

/** 100 ns intervals between the UUID epoch (1582-10-15) and the UNIX epoch. */
const UUID_EPOCH_OFFSET = 122_192_928_000_000_000n;
const node = randomBytes(6);
node[0]! |= 0x01; // multicast bit: marks a random node id (RFC 4122 §4.5)
const clockSeq = randomBytes(2).readUInt16BE(0) & 0x3fff;
let lastMicros = 0;

/**
 * A version-1 (time-based) UUID whose time is a whole microsecond, strictly increasing within this process, so
 * concurrent messages never share an id or a timestamp. Its time is the message's `created_at`.
 */
export function newTimeUuid(): { id: string; micros: Micros } {
  let micros = nowMicros();
  if (micros <= lastMicros) micros = lastMicros + 1;
  lastMicros = micros;
  return { id: timeUuidAt(micros, clockSeq, node), micros };
}

export function timeUuidAt(micros: Micros, seq: number, nodeId: Uint8Array): string {
  const ticks = BigInt(micros) * 10n + UUID_EPOCH_OFFSET;
  const timeLow = (ticks & 0xffffffffn).toString(16).padStart(8, '0');
  const timeMid = ((ticks >> 32n) & 0xffffn).toString(16).padStart(4, '0');
  const timeHi = (((ticks >> 48n) & 0x0fffn) | 0x1000n).toString(16).padStart(4, '0');
  const seqHex = ((seq & 0x3fff) | 0x8000).toString(16).padStart(4, '0');
  return `${timeLow}-${timeMid}-${timeHi}-${seqHex}-${Buffer.from(nodeId).toString('hex')}`;
}

/** The microsecond time inside a version-1 UUID. */
export function timeUuidMicros(id: string): Micros {
  const hex = id.replace(/-/g, '');
  const ticks = (BigInt('0x' + hex.slice(13, 16)) << 48n) | (BigInt('0x' + hex.slice(8, 12)) << 32n) | BigInt('0x' + hex.slice(0, 8));
  return Number((ticks - UUID_EPOCH_OFFSET) / 10n);
}

export const newGroupId = (): string => randomUUID();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Whether a caller's id can be a group or message id at all: storage answers "none" for one that cannot. */
export const isUuid = (text: string): boolean => UUID.test(text);
const TIME_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A version-1 (time) UUID: the only kind a message id is (its time is the message's). */
export const isTimeUuid = (text: string): boolean => TIME_UUID.test(text);

/**
 * The one-to-one group of two users has a fixed id: both ids sorted, each as 16 hex digits, joined and shaped as a
 * UUID (1234 & 8888 → 00000000-0000-04d2-0000-0000000022b8). Both users always land on the same group.
 */
export function oneToOneGroupId(a: number, b: number): string {
  const [low, high] = a < b ? [a, b] : [b, a];
  const hex = low.toString(16).padStart(16, '0') + high.toString(16).padStart(16, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
