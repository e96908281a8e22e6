/**
 * Redis Cluster's key slots (CRC16/XMODEM of the key's hash tag, mod 16384), computed here so that the partitions of
 * the broadcast stream can be given hash tags that land in evenly spaced slots: with the cluster's usual even split of
 * slots over its masters, N partitions then spread over the masters instead of crowding onto one by chance.
 */
export const SLOTS = 16384;

const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

export function crc16(text: string): number {
  let crc = 0;
  for (const byte of Buffer.from(text, 'utf8')) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/** The slot of a key as Redis Cluster computes it: only the part inside the first non-empty `{…}` counts. */
export function hashSlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(key.slice(open + 1, close)) % SLOTS;
  }
  return crc16(key) % SLOTS;
}

/**
 * Hash tags for `count` partitions of `stream`: partition k's tag is `<stream>:p<k>`, or `<stream>:p<k>.<j>` with the
 * smallest j that puts it in the k-th of `count` equal slot ranges. Deterministic, so every process derives the
 * same names from the same settings.
 */
export function partitionTags(stream: string, count: number): string[] {
  return Array.from({ length: count }, (_, k) => {
    const low = Math.floor((k * SLOTS) / count);
    const high = Math.floor(((k + 1) * SLOTS) / count);
    for (let j = 0; ; j++) {
      const tag = j === 0 ? `${stream}:p${k}` : `${stream}:p${k}.${j}`;
      const slot = crc16(tag) % SLOTS;
      if (slot >= low && slot < high) return tag;
    }
  });
}
