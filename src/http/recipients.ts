import { Errors } from '../core/errors.js';
import { nextTurn, SLICE } from '../core/turns.js';

export interface NotificationEntry {
  user_ids: unknown[];
  data: Record<string, unknown>;
}

const isUserId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/**
 * Checks every user id of a notification: at most `max` over all entries, each a positive integer up to 2^53−1.
 * A million ids are checked by a plain loop in slices (zod takes ~100 ms in one block for them), so other requests
 * are answered meanwhile. Returns the entries as the domain takes them, without copying the lists.
 */
export async function checkRecipients(entries: NotificationEntry[], max: number) {
  const total = entries.reduce((sum, entry) => sum + entry.user_ids.length, 0);
  if (total > max) throw Errors.invalidParameters('notification', `at most ${max} user ids in one request, over all entries (got ${total})`);
  let checked = 0;
  for (const [e, { user_ids: ids }] of entries.entries()) {
    for (let i = 0; i < ids.length; i++) {
      if (!isUserId(ids[i])) throw Errors.invalidParameters(`notification.${e}.user_ids.${i}`, 'expected a positive integer up to 2^53-1');
      if (++checked % SLICE === 0) await nextTurn();
    }
  }
  return entries.map((entry) => ({ userIds: entry.user_ids as number[], data: entry.data }));
}
