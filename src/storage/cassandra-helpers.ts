/** Small helpers the Cassandra adapter's modules share. */
import type { Member } from '../core/model.js';

/** A nullable numeric cell (bigint, int) as a number. */
export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The first entry per user wins, as a repeated INSERT OR IGNORE would have it. */
export function distinctMembers(members: Member[]): Member[] {
  const seen = new Set<number>();
  return members.filter((m) => !seen.has(m.userId) && seen.add(m.userId));
}

