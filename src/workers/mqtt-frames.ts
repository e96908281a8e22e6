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

/** MQTT's variable-length "remaining length". */
export function remainingLength(length: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return Buffer.from(bytes);
}

/** A QoS 1 PUBLISH's fixed header, topic and packet id: the frame up to its payload. */
export function publishHeader(topic: string, id: number, payloadBytes: number): Buffer {
  const topicBytes = Buffer.byteLength(topic);
  const remaining = remainingLength(2 + topicBytes + 2 + payloadBytes);
  const header = Buffer.allocUnsafe(1 + remaining.length + 2 + topicBytes + 2);
  let at = 0;
  header[at++] = PUBLISH_QOS1;
  for (const byte of remaining) header[at++] = byte;
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
  let flags = 0x02;
  if (username !== undefined) flags |= 0x80;
  // MQTT 3.1.1 allows a password only with a user name (3.1.2-22).
  if (password !== undefined && username !== undefined) flags |= 0x40;
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, flags, keepaliveSeconds >> 8, keepaliveSeconds & 0xff]);
  const parts = [variable, str(clientId)];
  if (username !== undefined) parts.push(str(username));
  if (password !== undefined && username !== undefined) parts.push(str(password));
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}
