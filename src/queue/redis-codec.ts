import { pack, unpack } from 'msgpackr';
import type { Broadcast } from '../core/ports/queue.js';

/** The fields of a broadcast's stream entry, named here only: the Lua scripts get the names as arguments. */
export const FIELD = {
  /** The broadcast: msgpack of `{payload, userIds, eventType?, storedMessage?}`. */
  broadcast: 'm',
  /** A keyed broadcast's order key (a group id)... */
  orderKey: 'k',
  /** ...and its sequence number within that key (see redis-order.ts). */
  orderSeq: 's',
} as const;

/** A stream entry as Redis returns it in binary mode: alternating field names and values. */
export interface StreamEntry {
  id: string;
  fields: Buffer[];
}

export function encodeBroadcast(broadcast: Broadcast): Buffer {
  // Only the known fields: whatever else the object carries must not leak into the stream.
  const { payload, userIds, eventType, storedMessage } = broadcast;
  // Optional fields are set one by one, not spread into the literal (see core/broadcaster.ts broadcastOf).
  const fields: Pick<Broadcast, 'payload' | 'userIds' | 'eventType' | 'storedMessage'> = { payload, userIds };
  if (eventType !== undefined) fields.eventType = eventType;
  if (storedMessage) fields.storedMessage = true;
  return pack(fields);
}

/** The broadcast in an entry's bytes, or null when they are not one (a poison entry). Never throws. */
export function decodeBroadcast(bytes: Buffer | undefined): Broadcast | null {
  if (!bytes) return null;
  let value: unknown;
  try {
    value = unpack(bytes);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { payload, userIds, eventType, storedMessage } = value as Record<string, unknown>;
  if (typeof payload !== 'string' || !Array.isArray(userIds)) return null;
  if (!userIds.every((id) => Number.isSafeInteger(id))) return null;
  // Entries written before event types were carried have none; the fan-out then reads it from the payload.
  const broadcast: Broadcast = { payload, userIds: userIds as number[] };
  if (typeof eventType === 'string') broadcast.eventType = eventType;
  if (storedMessage === true) broadcast.storedMessage = true;
  return broadcast;
}

/** When Redis accepted an entry, in ms: the first part of its id (`<ms>-<seq>`, given by XADD `*`). */
export const acceptedAtOf = (id: string): number => Number.parseInt(id, 10);

/** The first value stored under `name`, if any. */
export function fieldOf(fields: Buffer[], name: string): Buffer | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i]!.toString() === name) return fields[i + 1];
  }
  return undefined;
}

/** A keyed broadcast's order key and number, or null for an entry without (or with a broken) one. */
export function orderOf(fields: Buffer[]): { orderKey: string; seq: number } | null {
  const orderKey = fieldOf(fields, FIELD.orderKey)?.toString();
  const seq = Number(fieldOf(fields, FIELD.orderSeq) ?? NaN);
  return orderKey !== undefined && Number.isSafeInteger(seq) ? { orderKey, seq } : null;
}

/** Entries from a binary XRANGE/XREADGROUP/XAUTOCLAIM reply; a deleted entry (null fields) has no fields. */
export function toEntries(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((item): item is [Buffer, Buffer[] | null] => Array.isArray(item))
    .map(([id, fields]) => ({ id: id.toString(), fields: fields ?? [] }));
}
