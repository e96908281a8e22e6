import { pino } from 'pino';

/** One structured (JSON) logger for the process; `DINO_LOG_LEVEL` sets its level. */
export const logger = pino({
  name: 'dino',
  level: process.env.DINO_LOG_LEVEL ?? 'info',
  base: { pid: process.pid },
});
