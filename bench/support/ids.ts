import { randomBytes } from 'node:crypto';

/**
 * User ids far from anyone else's (≥ 1e12, random base): on a shared broker the client id is the user id, so a
 * collision would kick someone else's client off.
 */
export function uniqueUserIds(count: number): number[] {
  const base = 1e12 + Math.floor(Math.random() * 8e12);
  return Array.from({ length: count }, (_, i) => base + i);
}

/** A topic prefix of our own on a shared broker, as DINO_MQTT_TOPIC_PREFIX. */
export function uniqueTopicPrefix(): string {
  return `bench/${randomTag()}/`;
}

export function randomTag(): string {
  return randomBytes(4).toString('hex');
}

/** Every `size`-th id counted from the end, so the last id (the last one published on its lane) is always in. */
export function spreadSample(ids: number[], size: number): number[] {
  if (size >= ids.length) return ids;
  const stride = ids.length / size;
  return Array.from({ length: size }, (_, k) => ids[Math.round(ids.length - 1 - k * stride)]!).reverse();
}
