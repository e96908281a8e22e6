import type { ConnectionOptions } from './publish-connection.js';

/**
 * The few MQTT 3.1.1 frames Dino's publisher connections write and read (wire-connection.ts): CONNECT, the head of
 * a QoS 1 PUBLISH, and where a frame of the byte stream ends.
 */

const PUBLISH_QOS1 = 0x32;

/** Where the frame starting at `at` has its body and ends; undefined while it is incomplete. */
export function frameAt(data: Buffer, at: number): { body: number; end: number } | undefined {
  let length = 0;
  let multiplier = 1;
  let i = at + 1;
  for (;;) {
    if (i >= data.length) return undefined;
    const byte = data[i++]!;
    length += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) break;
    multiplier *= 128;
    if (multiplier > 128 ** 3) throw new Error('malformed MQTT remaining length');
  }
  return i + length <= data.length ? { body: i, end: i + length } : undefined;
}

/** How many bytes MQTT's variable-length "remaining length" takes for `length` (1 to 4). */
function lengthBytes(length: number): number {
  return length < 128 ? 1 : length < 16_384 ? 2 : length < 2_097_152 ? 3 : 4;
}

/** Writes `length` as MQTT's "remaining length" into `into` at `at`; returns the offset after it. */
function writeRemainingLength(into: Buffer, at: number, length: number): number {
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    into[at++] = byte;
  } while (length > 0);
  return at;
}

/** MQTT's variable-length "remaining length". */
export function remainingLength(length: number): Buffer {
  const out = Buffer.allocUnsafe(lengthBytes(length));
  writeRemainingLength(out, 0, length);
  return out;
}

/** A QoS 1 PUBLISH's fixed header, topic and packet id: the frame up to its payload. */
export function publishHeader(topic: string, id: number, payloadBytes: number): Buffer {
  const topicBytes = Buffer.byteLength(topic);
  const remaining = 2 + topicBytes + 2 + payloadBytes;
  const header = Buffer.allocUnsafe(1 + lengthBytes(remaining) + 2 + topicBytes + 2);
  header[0] = PUBLISH_QOS1;
  let at = writeRemainingLength(header, 1, remaining);
  at = header.writeUInt16BE(topicBytes, at);
  at += header.write(topic, at);
  header.writeUInt16BE(id, at);
  return header;
}

/** Sets the DUP flag of a PUBLISH being sent again (MQTT 3.1.1, 3.3.1.1). */
export function markDuplicate(header: Buffer): void {
  header[0] = header[0]! | 0x08;
}

/** CONNECT of MQTT 3.1.1, clean session, with the login if there is one. */
export function connectFrame({ clientId, username, password, keepaliveSeconds }: Pick<ConnectionOptions, 'clientId' | 'username' | 'password' | 'keepaliveSeconds'>): Buffer {
  const str = (s: string) => {
    const bytes = Buffer.from(s);
    const out = Buffer.allocUnsafe(2 + bytes.length);
    out.writeUInt16BE(bytes.length, 0);
    bytes.copy(out, 2);
    return out;
  };
  // MQTT 3.1.1 allows a password only with a user name (3.1.2-22).
  const withPassword = password !== undefined && username !== undefined;
  let flags = 0x02;
  if (username !== undefined) flags |= 0x80;
  if (withPassword) flags |= 0x40;
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, flags, keepaliveSeconds >> 8, keepaliveSeconds & 0xff]);
  const parts = [variable, str(clientId)];
  if (username !== undefined) parts.push(str(username));
  if (withPassword) parts.push(str(password));
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}
