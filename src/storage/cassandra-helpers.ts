/** Small helpers the Cassandra adapter's modules share. */
import type { Member } from '../core/model.js';

export { mapLimit } from '../core/batches.js';

export function* bucketRange(first: number, last: number, ascending: boolean): Generator<number> {
  if (ascending) for (let b = first; b <= last; b++) yield b;
  else for (let b = last; b >= first; b--) yield b;
}

/** The first entry per user wins, as a repeated INSERT OR IGNORE would have it. */
export function distinctMembers(members: Member[]): Member[] {
  const seen = new Set<number>();
  return members.filter((m) => !seen.has(m.userId) && seen.add(m.userId));
}

