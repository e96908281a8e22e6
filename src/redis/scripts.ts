import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Dino's Lua scripts, one per file in ./commands, named `<command>-<number of keys>.lua` (as BullMQ's; `n`: the
 * caller passes the number first); each file's header says its KEYS, ARGV and reply. `npm run build` copies them
 * beside the compiled code.
 */
const FILES = ['claimFromDead-2', 'enqueueInOrder-2', 'enqueueManyInOrder-n', 'markDone-1', 'releaseClaim-1'] as const;

/** The scripts as commands of a client (`R`: a promise) or of a MULTI block (`R`: the block, for chaining). */
export interface DinoCommands<R> {
  claimFromDead(stream: string, aliveKey: string, group: string, dead: string, to: string, ...ids: string[]): R;
  claimFromDeadBuffer(stream: string, aliveKey: string, group: string, dead: string, to: string, ...ids: string[]): R;
  enqueueInOrder(stream: string, seqKey: string, maxLen: number, ttlMs: number, payloadField: string, payload: Buffer,
    orderKeyField: string, orderKey: string, seqField: string): R;
  /** `numberOfKeys` = 2 + the number of order keys; then the stream, the send intents, each order key's counter, and the ARGV of the script. */
  enqueueManyInOrder(numberOfKeys: number, ...keysAndArgs: Array<string | number | Buffer>): R;
  markDone(doneKey: string, seq: number, ttlMs: number): R;
  releaseClaim(key: string, claimValue: string): R;
}

export type DinoRedis = Redis & DinoCommands<Promise<unknown>>;
export type DinoTransaction = ChainableCommander & DinoCommands<ChainableCommander>;

/** The scripts' command names. */
export const SCRIPT_NAMES: readonly string[] = FILES.map((file) => file.split('-')[0]!);

/** Read once, at start: a missing file stops start-up rather than the first command that needs it. */
const scripts = FILES.map((file) => {
  const [name, keys] = file.split('-') as [string, string];
  const path = fileURLToPath(new URL(`./commands/${file}.lua`, import.meta.url));
  try {
    return { name, numberOfKeys: keys === 'n' ? undefined : Number(keys), lua: readFileSync(path, 'utf8') };
  } catch (err) {
    throw new Error(`Lua script missing: ${path} (\`npm run build\` copies src/redis/commands): ${(err as Error).message}`);
  }
});

/** Adds the scripts to a client as commands: each is sent once per connection, then run by its hash (EVALSHA). */
export function withScripts(client: Redis): DinoRedis {
  for (const { name, numberOfKeys, lua } of scripts) client.defineCommand(name, { numberOfKeys, lua });
  return client as DinoRedis;
}

/** A MULTI block on a client with the scripts (ioredis copies a client's script commands onto its blocks). */
export const transaction = (client: DinoRedis): DinoTransaction => client.multi() as DinoTransaction;
