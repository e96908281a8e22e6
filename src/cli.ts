import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, flagOf, loadConfig, settings, type Config, type SettingName } from './config.js';
import { logger, setLogLevel } from './log.js';
import { runDino, type Role } from './runtime.js';
import { migrate } from './migrate.js';
import { retention } from './retention.js';

const program = new Command('dino').description('Dino: chat messages stored, then fanned out to every member over MQTT');
for (const name of Object.keys(settings) as SettingName[]) {
  program.addOption(new Option(`${flagOf(name)} <value>`, `overrides ${name}`));
}

/** The flags given on the command line, keyed by the variable they stand for. */
function flagValues(): Record<string, string | undefined> {
  const opts = program.opts<Record<string, string | undefined>>();
  const values: Record<string, string | undefined> = {};
  for (const name of Object.keys(settings) as SettingName[]) {
    const key = flagOf(name).slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    values[name] = opts[key];
  }
  return values;
}

function config(): Config {
  try {
    const loaded = loadConfig(process.env, flagValues());
    setLogLevel(loaded.logLevel);
    return loaded;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`dino: invalid configuration: ${err.message}`);
    process.exit(2);
  }
}

async function serve(role: Role): Promise<void> {
  const running = await runDino(config(), role);
  let stopping = false;
  /** 1 once something failed (the broker's thread), so that a supervisor (systemd, Kubernetes) starts Dino again. */
  let exitCode = 0;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without finishing');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    running.stop().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(exitCode);
      },
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  void running.lost.then((err) => {
    exitCode = 1;
    if (stopping) return logger.error({ err }, 'the embedded MQTT broker failed while stopping: exit code 1');
    logger.error({ err }, 'the embedded MQTT broker is gone: stopping (what was accepted stays queued), exit code 1 for a restart');
    shutdown('broker lost');
  });
}

program.command('start').description('HTTP API, fan-out and (unless DINO_MQTT_URL is set) the embedded broker in one process')
  .action(() => serve('start'));
program.command('server').description('HTTP API only; needs DINO_REDIS_URL').action(() => serve('server'));
program.command('fanout').description('queue consumer and worker threads only; needs DINO_REDIS_URL').action(() => serve('fanout'));
program.command('migrate').description('create or upgrade the storage schema (idempotent)').action(async () => {
  console.log(await migrate(config()));
});

program.command('retention').description('delete the messages every member of their group deleted: one pass, for cron')
  .option('--dry-run', 'list the groups and bounds it would purge, delete nothing', false)
  .option('--concurrency <n>', 'groups purged at once (1-64)', (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('an integer from 1 to 64');
    return n;
  }, 4)
  .action(async (opts: { dryRun: boolean; concurrency: number }) => {
    const totals = await retention(config(), opts);
    process.exitCode = totals.failed > 0 ? 1 : 0;
  });

const deadLetters = program.command('dead-letters').description('broadcasts that failed too often (Redis queue only)');
deadLetters.command('list').description('show dead letters, oldest first').option('--limit <n>', 'at most this many', '100')
  .action(async (opts: { limit: string }) => {
    await withRedisQueue(async (queue) => {
      for (const letter of await queue.listDeadLetters(Number(opts.limit))) {
        console.log(JSON.stringify({ id: letter.id, reason: letter.reason, attempts: letter.attempts,
          recipients: letter.broadcast?.userIds.length, payload: letter.broadcast?.payload }));
      }
    });
  });
deadLetters.command('replay').description('queue dead letters again (all, or the ids given) and remove them')
  .argument('[ids...]').action(async (ids: string[]) => {
    await withRedisQueue(async (queue) => console.log(JSON.stringify(await queue.replayDeadLetters(ids.length ? ids : undefined))));
  });

async function withRedisQueue(work: (queue: import('./queue/redis.js').RedisStreamQueue) => Promise<void>): Promise<void> {
  const settings = config().redis;
  if (!settings) throw new Error('dead letters live in Redis: set DINO_REDIS_URL');
  const { RedisStreamQueue } = await import('./queue/redis.js');
  const queue = new RedisStreamQueue(settings);
  try {
    await work(queue);
  } finally {
    await queue.close();
  }
}

program.parseAsync(process.argv).catch((err: Error) => {
  // A setting found wrong only at start (a file it names cannot be read or used) is a configuration error too.
  const invalid = err instanceof ConfigError;
  logger.fatal({ err }, err.message);
  console.error(`dino: ${invalid ? 'invalid configuration: ' : ''}${err.message}`);
  process.exit(invalid ? 2 : 1);
});
