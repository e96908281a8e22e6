import type { Config } from './config.js';
import { runRetention, type RetentionTotals } from './core/retention.js';
import { microsToSeconds } from './core/time.js';
import { logger } from './log.js';
import { openStorage } from './storage/open.js';

/**
 * `dino retention`: one pass of the retention job over the configured storage (see core/retention.ts), meant to
 * run from cron. Each group is one log line, the pass ends with a line of totals.
 */
export async function retention(config: Config, options: { dryRun: boolean; concurrency: number }): Promise<RetentionTotals> {
  const storage = await openStorage(config);
  const started = Date.now();
  try {
    const totals = await runRetention(storage, options, {
      group: (c, upTo) => logger.info({ groupId: c.groupId, firstMessageTime: microsToSeconds(c.firstMessageTime),
        upTo: microsToSeconds(upTo), dryRun: options.dryRun }, options.dryRun ? 'retention: would purge' : 'retention: purging'),
      failed: (c, err) => logger.error({ err, groupId: c.groupId }, 'retention: purge failed'),
    });
    logger.info({ ...totals, dryRun: options.dryRun, ms: Date.now() - started }, 'retention: pass done');
    return totals;
  } finally {
    await storage.close();
  }
}
