import { nowMicros, type Micros } from '../core/time.js';
import { timeUuidAt } from '../core/ids.js';
import { messageBucket } from './cassandra-schema.js';

/** Buckets from `first` to `last`, both included, in the order given. */
export function* bucketRange(first: number, last: number, ascending: boolean): Generator<number> {
  if (ascending) for (let b = first; b <= last; b++) yield b;
  else for (let b = last; b >= first; b--) yield b;
}

/**
 * How many buckets past the group's recorded last message a history read also looks into. The last-message time is
 * written by the projector, a moment after the message row: a message the projector has not reached yet sits in the
 * bucket of "now" or, across a bucket boundary, the one before. Two buckets cover a projector lag of 10 days.
 */
const UNPROJECTED_BUCKETS = 2;

/**
 * The buckets a history read walks, newest first unless `ascending`: from `first` up to the bucket of the group's
 * recorded last message (`projectedTime`), and the newest buckets up to now (or `to`, exclusive) that may hold
 * messages not yet projected into it. A quiet group costs at most two extra empty reads, not one per 10 silent days.
 */
export function historyBuckets(first: number, projectedTime: Micros, to: Micros, ascending: boolean, now = nowMicros()): number[] {
  const projected = messageBucket(Math.min(to - 1, projectedTime));
  const top = messageBucket(Math.min(to - 1, Math.max(now, projectedTime)));
  const recent = Array.from({ length: UNPROJECTED_BUCKETS }, (_, i) => top - i).filter((b) => b > projected && b >= first);
  const buckets = [...recent, ...bucketRange(first, projected, false)];
  return ascending ? buckets.reverse() : buckets;
}

/**
 * Cassandra orders timeuuids by time, then by the clock-sequence and node bytes compared as *signed* bytes. 0x80 is
 * the lowest signed byte, so this id sorts after every id of an earlier microsecond and before every id of this
 * one: `>= lowest(t)` means "at or after t" and `< lowest(t)` "before t", exactly. (minTimeuuid() is ms-precise.)
 */
const LOWEST_NODE = new Uint8Array(6).fill(0x80);
export const lowestTimeUuidAt = (micros: Micros): string => timeUuidAt(Math.max(0, micros), 0x0080, LOWEST_NODE);
