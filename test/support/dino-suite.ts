import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { api, startDino, type DinoProcess } from './dino-process.js';
import { sqliteSnapshot } from './sqlite-snapshot.js';
import { until } from './wait.js';

export interface SuiteDino {
  /** The running process (set once the suite's first beforeAll ran). */
  readonly dino: DinoProcess;
  /** Its data dir, fresh for the suite: SQLite storage, queue journal, broker sessions. */
  readonly dataDir: string;
}

/** `dino start` for the tests of one describe block: started before them on a fresh data dir, stopped after them. */
export function dinoForSuite(env: Record<string, string> = {}): SuiteDino {
  const suite = { dataDir: mkdtempSync(join(tmpdir(), 'dino-suite-')) } as { dino: DinoProcess; dataDir: string };
  beforeAll(async () => {
    suite.dino = await startDino('start', { DINO_DATA_DIR: suite.dataDir, ...env });
  });
  afterAll(async () => {
    await suite.dino?.stop();
  });
  return suite;
}

/** A group of `owner` and `members` with one message in it: real data for a test to show it leaves untouched. */
export async function seededGroup(dino: DinoProcess, owner: number, members: number[]): Promise<string> {
  const groupId = (await api(dino.base, 'POST', `/v1/users/${owner}/groups/create`, { group_name: 'seeded', users: members })).body.group_id;
  await api(dino.base, 'POST', `/v1/groups/${groupId}/user/${owner}/send`, { message_payload: 'first', message_type: 'text' });
  return groupId as string;
}

export interface SeededSuite extends SuiteDino {
  /** A group of the owner and the members, with one message in it. */
  readonly groupId: string;
  /** Every row of the SQLite store, to show a refused request wrote nothing. */
  snapshot(): unknown;
}

/** `dinoForSuite` with real data in it: a group of `owner` and `members`, and one message. */
export function seededDinoForSuite(owner: number, members: number[]): SeededSuite {
  const suite = dinoForSuite() as SeededSuite & { groupId: string; snapshot: () => unknown };
  beforeAll(async () => {
    suite.snapshot = sqliteSnapshot(join(suite.dataDir, 'dino.sqlite'));
    suite.groupId = await seededGroup(suite.dino, owner, members);
    // The seed message's derived state is written after its answer: snapshots start once it is.
    await queueIdle(suite.dino);
  });
  return suite;
}

/**
 * Waits until the process's queue holds nothing (`dino_stream_pending 0` on /metrics): the fan-out has handled every
 * accepted broadcast, so the projector has written every accepted send's derived state.
 */
export async function queueIdle(dino: DinoProcess): Promise<void> {
  await until('the queue to be idle', async () =>
    /^dino_stream_pending 0$/m.test(await (await fetch(`${dino.base}/metrics`)).text()));
}
