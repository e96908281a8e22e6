import { randomBytes, randomUUID } from 'node:crypto';
import { nowMicros, type Micros } from './time.js';

/** 100 ns intervals between the UUID epoch (1582-10-15) and the UNIX epoch, as two 32-bit halves (exact in doubles). */
const UUID_EPOCH_OFFSET = { high: 0x01b21dd2, low: 0x13814000 };
const TWO_32 = 2 ** 32;
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
  return { id: timePart(micros) + OWN_TAIL, micros };
}

const hex = (value: number, digits: number) => value.toString(16).padStart(digits, '0');
/** The clock-sequence and node fields (`-8abc-0123456789ab`). */
const tail = (seq: number, nodeId: Uint8Array) => `-${hex((seq & 0x3fff) | 0x8000, 4)}-${Buffer.from(nodeId).toString('hex')}`;
/** This process's never change: made once. */
const OWN_TAIL = tail(clockSeq, node);

export function timeUuidAt(micros: Micros, seq: number, nodeId: Uint8Array): string {
  return timePart(micros) + tail(seq, nodeId);
}

/**
 * The time fields of a 60-bit tick count (micros × 10 + the epoch offset), computed in two 32-bit halves: every
 * partial result stays below 2^53, so plain numbers are exact (no BigInt on the send path).
 */
function timePart(micros: Micros): string {
  const low = (micros % TWO_32) * 10 + UUID_EPOCH_OFFSET.low;
  const high = Math.floor(micros / TWO_32) * 10 + UUID_EPOCH_OFFSET.high + Math.floor(low / TWO_32);
  const time = low % TWO_32;
  // In two 16-bit halves: toString(16) of a number past the small integers (2^31) runs the C library's fmod once per
  // digit, eight times a send (bench/send-instructions.ts).
  return `${hex(time >>> 16, 4)}${hex(time & 0xffff, 4)}-${hex(high & 0xffff, 4)}-${hex(((high >>> 16) & 0x0fff) | 0x1000, 4)}`;
}

/** The microsecond time inside a version-1 UUID. */
export function timeUuidMicros(id: string): Micros {
  const low = Number.parseInt(id.slice(0, 8), 16);
  const high = Number.parseInt(id.slice(9, 13), 16) + Number.parseInt(id.slice(15, 18), 16) * 0x10000;
  // ticks = high·2^32 + low, less the offset, over 10: split so no partial result passes 2^53.
  const highTicks = high - UUID_EPOCH_OFFSET.high;
  const lowTicks = low - UUID_EPOCH_OFFSET.low;
  const highPart = Math.floor(highTicks / 10);
  return highPart * TWO_32 + Math.floor(((highTicks - highPart * 10) * TWO_32 + lowTicks) / 10);
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
