import { pino, type Level } from 'pino';

/**
 * One structured (JSON) logger for the process. It starts at `info`; the validated configuration sets the level
 * (`DINO_LOG_LEVEL`) as soon as it is read, before anything is started.
 */
export const logger = pino({ name: 'dino', level: 'info', base: { pid: process.pid } });

export function setLogLevel(level: Level | 'silent'): void {
  logger.level = level;
}
