/**
 * The send path of `dino start` without HTTP and without the broker's thread, in one thread: the domain's send over
 * the real SQLite storage, its journal and the in-process queue, the projector, and the fan-out coordinator handing
 * each turn's broadcasts to a publishing thread that acknowledges them at once (no broker: its work is the broker
 * thread's, not the send path's). `sends` sends, 28 at a time as concurrent requests arrive in one turn under load,
 * then waits until every broadcast was handled. Run as a script by bench/send-instructions.ts under callgrind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { InProcessGroupChanges } from '../../src/changes/in-process.js';
import { loadConfig } from '../../src/config.js';
import { Dino } from '../../src/core/dino.js';
import { ActivityProjector } from '../../src/core/projector.js';
import { messageJson } from '../../src/http/presenters.js';
import { InProcessQueue } from '../../src/queue/in-process.js';
import { QueueJournal } from '../../src/queue/sqlite-journal.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { FanOut } from '../../src/workers/fan-out.js';
import type { PublishingThread } from '../../src/workers/publisher-tasks.js';

const PER_TURN = 28;

/**
 * `warmUp` sends first (the optimising compiler is done with the turn's functions after some tens of thousands), then
 * `between(…)` is awaited before and after the `sends` measured ones (bench/send-instructions.ts switches callgrind's
 * counting on and off there).
 */
export async function coreSendLoop(sends: number, warmUp = 0, between: (phase: 'measure' | 'done') => Promise<void> = async () => undefined): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dino-core-send-'));
  const storage = SqliteStorage.open(dir);
  const queue = new InProcessQueue(loadConfig({}).queue, { journal: QueueJournal.sharing(storage.sharedFile(), dir) });
  const changes = new InProcessGroupChanges();
  const dino = new Dino({ storage, queue, changes }, { maxEventBytes: 1024 * 1024, readReceiptMaxMembers: 2, unreadCacheSize: 0 });
  const acknowledging: PublishingThread = {
    run: async (task) => ('payloads' in task ? task.payloads.map(() => []) : true),
    close: async () => undefined,
  };
  const projector = new ActivityProjector(storage, changes);
  const fanOut = new FanOut([acknowledging]);
  queue.startConsuming(projector.handler((broadcast, delivery) => fanOut.deliver(broadcast, delivery)), { concurrency: 64 });
  try {
    const [sender, ...others] = [1_000_000_000_001, 1_000_000_000_002, 1_000_000_000_003];
    const { group } = await dino.groups.create(sender, { groupName: 'bench', users: others });
    const input = { messagePayload: 'bench message', messageType: 'text' };
    const send = async (amount: number) => {
      for (let sent = 0; sent < amount; sent += PER_TURN) {
        const turn = Array.from({ length: Math.min(PER_TURN, amount - sent) },
          () => dino.messages.sendToGroup(group.groupId, sender, input).then(messageJson)); // the answer, as the route writes it
        await Promise.all(turn);
      }
      while ((await queue.backlog()).pending > 0) await new Promise((resolve) => setImmediate(resolve));
    };
    await send(warmUp);
    await between('measure');
    await send(sends);
    await between('done');
  } finally {
    await queue.close();
    await projector.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** As a script: `<sends> [<warm-up sends>]`; with `--ask`, it says `measure` and `done` on stdout and waits for a line on stdin after each. */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [sends, warmUp] = [Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 0)];
  const lines = process.argv.includes('--ask') ? createInterface({ input: process.stdin })[Symbol.asyncIterator]() : undefined;
  await coreSendLoop(sends, warmUp, async (phase) => {
    if (!lines) return;
    process.stdout.write(`${phase}\n`);
    await lines.next();
  });
  process.stdin.destroy();
}
