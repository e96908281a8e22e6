/** The shapes of the harness's results, as written to bench/results/<date>.json. */
import type { ConversationResult } from './scenarios/conversations.js';
import type { Figure } from './stats.js';

export type BrokerKind = 'embedded' | 'mosquitto';

export interface FanoutScenario {
  id: string;
  /** `group`: messages sent to one group of `users` members; `notification`: one POST /v1/notification/send. */
  kind: 'group' | 'notification';
  users: number;
  messages: number;
  /** Users with a subscribed client: all of them, or an evenly spread sample of a large notification. */
  subscribers: number;
}

/** One measured round, Dino's or the raw baseline's. Times are ms. */
export interface FanoutRound {
  deliveriesPerSec: number;
  /** Dino: first 2xx response → last arrival; baseline: first publish → last arrival. */
  acceptToLastMs: number;
  p50Ms?: number;
  p99Ms?: number;
  expected: number;
  lost: number;
  duplicates: number;
  /** Baseline only: first publish → last PUBACK. */
  allAckedMs?: number;
  /** Dino, notification only: the process's highest RSS during the round. */
  rssMaxMb?: number;
}

export interface FanoutSide {
  deliveriesPerSec: Figure;
  acceptToLastMs: Figure;
  p50Ms: Figure;
  p99Ms: Figure;
  allAckedMs?: Figure;
  /** Totals over all runs. */
  lost: number;
  duplicates: number;
}

export interface FanoutResult {
  broker: BrokerKind;
  scenario: FanoutScenario;
  dino: FanoutSide;
  baseline: FanoutSide;
  /** Dino deliveries/s over the baseline's, run by run. */
  ratio: Figure;
  rss: { idleMb: number; maxMb?: Figure };
  /** Warnings and errors Dino logged. */
  troubles: string[];
}

export type Storage = 'sqlite' | 'cassandra';
export type Endpoint = 'send' | 'notification' | 'get';

/** One load level's figures: autocannon's for HTTP, our own timing for the raw insert loop. */
export interface LoadFigures {
  rps: Figure;
  p50Ms: Figure;
  p99Ms: Figure;
  /** Totals over all runs. */
  errors: number;
  non2xx: number;
}

export interface IngestResult {
  storage: Storage;
  endpoint: Endpoint;
  connections: number;
  dino: LoadFigures;
}

export interface BaselineResult {
  /**
   * `uws-post`, `uws-get`: the bare uWebSockets.js endpoint; `uws-post-sqlite`: that POST storing the message row and
   * its journal row in SQLite before it answers; `cassandra-insert`: the raw driver loop; `cassandra-insert-xadd`: the
   * raw driver insert followed by a raw XADD of the message's event.
   */
  kind: 'uws-post' | 'uws-post-sqlite' | 'uws-get' | 'cassandra-insert' | 'cassandra-insert-xadd';
  connections: number;
  figures: LoadFigures;
}

export interface RatioLine {
  label: string;
  connections: number;
  ratio: Figure;
}

export interface TargetCheck {
  name: string;
  goal: string;
  measured: string;
  met: boolean | undefined;
}

export interface BenchResults {
  date: string;
  quick: boolean;
  runs: number;
  machine: { cpus: number; node: string; load: number[] };
  fanout: FanoutResult[];
  ingest: IngestResult[];
  baselines: BaselineResult[];
  ratios: RatioLine[];
  /** From bench/scaling.ts, when present: kept as it reports it. */
  scaling?: unknown;
  /** bench/scenarios/conversations.ts: the conversation list and totals of a user in 500 groups. */
  conversations?: ConversationResult[];
  targets: TargetCheck[];
  notes: string[];
}
