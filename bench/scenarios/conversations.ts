/**
 * Conversations (issue 13): one user in 500 groups, each with an unread message from another member, lists its
 * first 50 conversations (with unread counts) and asks for its totals (unread over all 500), under closed-loop
 * load; on SQLite and on Cassandra, with the in-process unread-count cache on (DINO_UNREAD_CACHE_SIZE default) and
 * off (0), run after run interleaved. Setup goes through the REST API like any caller.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { api } from '../../test/support/dino-process.js';
import { httpLoad } from '../load/http-load.js';
import type { Figure } from '../stats.js';
import { figure } from '../stats.js';
import { note, progress } from '../progress.js';
import { CASSANDRA_CONTACT_POINT } from '../support/backends.js';
import { launchDino, migrate, type BenchDino } from '../support/dino.js';
import { randomTag, uniqueUserIds } from '../support/ids.js';
import type { Table } from '../report/tables.js';
import { fig } from '../report/format.js';

export interface ConversationOptions {
  storages: Array<'sqlite' | 'cassandra'>;
  runs: number;
  seconds: number;
  connections: number;
}

export interface ConversationResult {
  storage: string;
  cache: 'on' | 'off';
  request: string;
  rps: Figure;
  p50Ms: Figure;
  p99Ms: Figure;
  failures: number;
}

export const GROUPS = 500;
export const PAGE = 50;

export async function runConversations(options: ConversationOptions): Promise<ConversationResult[]> {
  const results: ConversationResult[] = [];
  for (const storage of options.storages) {
    const env: Record<string, string> = {};
    if (storage === 'cassandra') {
      Object.assign(env, { DINO_CASSANDRA_CONTACT_POINTS: CASSANDRA_CONTACT_POINT, DINO_CASSANDRA_KEYSPACE: `dino_bench_${randomTag()}`,
        DINO_CASSANDRA_CONSISTENCY: 'ONE' });
      await migrate(env);
    }
    // Both settings read one store: the on/off processes take turns on the same data directory or keyspace.
    const dataDir = join(tmpdir(), `dino-bench-conv-${randomTag()}`);
    const user = await seed(storage, { ...env, DINO_DATA_DIR: dataDir });
    try {
      await measure(storage, user, env, dataDir, options, results);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      if (env.DINO_CASSANDRA_KEYSPACE) await dropKeyspace(env.DINO_CASSANDRA_KEYSPACE);
    }
  }
  return results;
}

/** Runs alternate cache on and off, each in a fresh `dino start` on the seeded store. */
async function measure(storage: string, user: number, env: Record<string, string>, dataDir: string, options: ConversationOptions,
  results: ConversationResult[]): Promise<void> {
  for (let run = 0; run < options.runs; run++) {
    for (const cache of ['on', 'off'] as const) {
      const dino = await launchDino('start', { ...env, DINO_DATA_DIR: dataDir, DINO_UNREAD_CACHE_SIZE: cache === 'on' ? '100000' : '0' });
      try {
        for (const [request, path, body] of [
          [`list ${PAGE} of ${GROUPS}`, `/v1/users/${user}/groups`, { per_page: PAGE }],
          [`userstats over ${GROUPS}`, `/v1/userstats/${user}`, {}],
        ] as const) {
          const label = `conversations ${storage} cache ${cache} ${request} run ${run + 1}`;
          const r = await httpLoad({ url: dino.base + path, method: 'POST', body: JSON.stringify(body), connections: options.connections,
            seconds: options.seconds, label });
          add(results, { storage, cache, request }, r);
        }
      } finally {
        const troubles = await dino.close();
        if (troubles.length > 0) note(`conversations ${storage}: Dino logged ${troubles.length} warnings/errors, e.g. ${troubles[0]!.slice(0, 200)}`);
      }
    }
  }
}

async function dropKeyspace(keyspace: string): Promise<void> {
  const client = new cassandra.Client({ contactPoints: [CASSANDRA_CONTACT_POINT], localDataCenter: 'datacenter1', isMetadataSyncEnabled: false });
  try {
    await client.connect();
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  } catch (err) {
    note(`could not drop keyspace ${keyspace}: ${(err as Error).message}`);
  } finally {
    await client.shutdown();
  }
}

/** The user, 500 groups with one other member each, and one message from that member in every group. */
async function seed(storage: string, env: Record<string, string>): Promise<number> {
  const dino: BenchDino = await launchDino('start', env);
  try {
    const [user, ...others] = uniqueUserIds(GROUPS + 1) as [number, ...number[]];
    for (let i = 0; i < GROUPS; i++) {
      if (i % 50 === 0) progress(`conversations ${storage}: seeding group ${i + 1}/${GROUPS}`);
      const created = await api(dino.base, 'POST', `/v1/users/${user}/groups/create`, { group_name: `g${i}`, users: [others[i]] });
      const sent = await api(dino.base, 'POST', `/v1/groups/${created.body.group_id}/user/${others[i]}/send`,
        { message_payload: 'unread', message_type: 'text' });
      if (sent.status !== 200) throw new Error(`seeding: ${sent.status} ${JSON.stringify(sent.body)}`);
    }
    return user;
  } finally {
    await dino.close();
  }
}

const runsOf = new Map<ConversationResult, { rps: number[]; p50: number[]; p99: number[] }>();

function add(results: ConversationResult[], key: Pick<ConversationResult, 'storage' | 'cache' | 'request'>,
  run: { rps: number; p50Ms: number; p99Ms: number; errors: number; non2xx: number }): void {
  let row = results.find((r) => r.storage === key.storage && r.cache === key.cache && r.request === key.request);
  if (!row) {
    row = { ...key, rps: figure([]), p50Ms: figure([]), p99Ms: figure([]), failures: 0 };
    results.push(row);
    runsOf.set(row, { rps: [], p50: [], p99: [] });
  }
  const all = runsOf.get(row)!;
  all.rps.push(run.rps);
  all.p50.push(run.p50Ms);
  all.p99.push(run.p99Ms);
  Object.assign(row, { rps: figure(all.rps), p50Ms: figure(all.p50), p99Ms: figure(all.p99), failures: row.failures + run.errors + run.non2xx });
}

export function conversationTable(results: ConversationResult[] | undefined): Table | undefined {
  if (!results || results.length === 0) return undefined;
  return {
    title: `Conversations: one user in ${GROUPS} groups, each with an unread message`,
    headers: ['storage', 'unread cache', 'request', 'req/s', 'p50 ms', 'p99 ms', 'errors / non-2xx'],
    rows: results.map((r) => [r.storage, r.cache, r.request, fig(r.rps), fig(r.p50Ms), fig(r.p99Ms), String(r.failures)]),
    legend: 'Closed-loop autocannon against `dino start`; cache "off" is DINO_UNREAD_CACHE_SIZE=0 (every unread count read from storage).',
  };
}
