import type { Storage, UndeletedMessages } from './ports/storage.js';
import { nowMicros, type Micros } from './time.js';

/**
 * The retention job (the original's deleter, §5.9): messages that every member of a group deleted (each member's
 * delete_before is past them) are removed for good, and the group's first_message_time moves up to the lowest
 * delete_before. Nothing a member can still see goes: histories, unread counts and a member's message count only
 * ever read past the member's own delete_before, which is at or above the purge's bound. So the unread counts kept
 * in a server's memory (unread.ts, keyed by that floor) stay right; only group totals that count deleted messages
 * too (`message_amount` with count_messages) drop.
 */
export interface RetentionOptions {
  /** List what would be purged, delete nothing. */
  dryRun: boolean;
  /** Groups purged at once. */
  concurrency: number;
  now?: Micros;
}

export interface RetentionTotals {
  /** Groups with messages every member deleted. */
  groups: number;
  purged: number;
  failed: number;
}

/** What the caller hears of each group (the CLI logs it). */
export interface RetentionReport {
  group(candidate: UndeletedMessages, upTo: Micros): void;
  failed(candidate: UndeletedMessages, err: unknown): void;
}

/** One pass over every group; a group that fails is reported and counted, and the pass goes on with the others. */
export async function runRetention(storage: Storage, options: RetentionOptions, report: RetentionReport): Promise<RetentionTotals> {
  const now = options.now ?? nowMicros();
  const totals: RetentionTotals = { groups: 0, purged: 0, failed: 0 };
  // Workers share one iterator: the scan reads ahead one page, never the whole list of groups.
  const candidates = storage.groupsWithUndeletedMessages()[Symbol.asyncIterator]();
  const worker = async () => {
    for (let next = await candidates.next(); !next.done; next = await candidates.next()) {
      const candidate = next.value;
      // A delete_before set in the future hides messages not yet sent; purge only up to now, the rest next time.
      const upTo = Math.min(candidate.minDeleteBefore, now);
      totals.groups++;
      report.group(candidate, upTo);
      if (options.dryRun) continue;
      try {
        await storage.purgeMessagesUpTo(candidate.groupId, upTo);
        totals.purged++;
      } catch (err) {
        totals.failed++;
        report.failed(candidate, err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return totals;
}
