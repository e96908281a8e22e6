import { parseArgs } from 'node:util';
import type { BrokerKind, FanoutScenario, Storage } from './model.js';

export type Section = 'fanout' | 'ingest' | 'scaling' | 'conversations';

export interface BenchOptions {
  quick: boolean;
  /** A quick, narrowed, re-tuned or profiled run: its files go to bench/results/tmp/, not beside the full runs. */
  partial: boolean;
  runs: number;
  sections: Section[];
  brokers: BrokerKind[];
  storages: Storage[];
  fanout: FanoutScenario[];
  fanoutTimeoutMs: number;
  connections: number[];
  /** Seconds of load per measured autocannon / insert-loop run, after a warm-up of `warmupSeconds`. */
  loadSeconds: number;
  warmupSeconds: number;
  profile: boolean;
  /** Extra DINO_* settings for every Dino process (`--dino-env DINO_MQTT_INFLIGHT=5000,DINO_WORKERS=1`). */
  dinoEnv: Record<string, string>;
}

const USAGE = `npm run bench -- [--quick] [--runs N] [--only fanout,ingest,scaling,conversations] [--brokers embedded,mosquitto]
                    [--scenarios 1,2,3] [--storages sqlite,cassandra] [--connections 10,50,200] [--profile]
                    [--dino-env DINO_X=value,…]
       npm run bench -- --render bench/results/<date>.json   (re-renders its tables, Markdown and chart)

--scenarios picks fan-out scenarios by number (1: group of 1k, 2: group of 10k, 3: 100k notification);
--profile writes a V8 CPU profile of every Dino thread to bench/results/tmp/profiles-<date>/ (see bench/profile-summary.ts).`;

/** 100 000 recipients: a spread sample subscribes (the box cannot hold 100 000 clients beside Dino and the broker). */
const NOTIFICATION_SAMPLE = 2000;

const FULL_FANOUT: FanoutScenario[] = [
  { id: '1k users × 100 msgs', kind: 'group', users: 1000, messages: 100, subscribers: 1000 },
  { id: '10k users × 10 msgs', kind: 'group', users: 10_000, messages: 10, subscribers: 10_000 },
  { id: '100k notification', kind: 'notification', users: 100_000, messages: 1, subscribers: NOTIFICATION_SAMPLE },
];

/** The same three shapes, smaller where connecting subscribers would dominate a one-minute run. */
const QUICK_FANOUT: FanoutScenario[] = [
  { id: '1k users × 20 msgs', kind: 'group', users: 1000, messages: 20, subscribers: 1000 },
  { id: '2k users × 5 msgs', kind: 'group', users: 2000, messages: 5, subscribers: 2000 },
  { id: '100k notification', kind: 'notification', users: 100_000, messages: 1, subscribers: 500 },
];

const list = <T extends string>(value: string, allowed: readonly T[], name: string): T[] => {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`--${name}: unknown ${JSON.stringify(item)} (expected ${allowed.join(', ')})`);
  return items as T[];
};

/** `DINO_X=value,…` (NODE_OPTIONS too, for a V8 flag of Dino's own process) as an environment. */
export function settingsList(text: string): Record<string, string> {
  const entries = text.split(',').filter(Boolean).map((pair) => {
    const match = /^(DINO_[A-Z0-9_]+|NODE_OPTIONS)=(.*)$/.exec(pair.trim());
    if (!match) throw new Error(`--dino-env: expected DINO_NAME=value or NODE_OPTIONS=…, got ${JSON.stringify(pair)}`);
    return [match[1]!, match[2]!] as const;
  });
  return Object.fromEntries(entries);
}

function pick(scenarios: FanoutScenario[], numbers: string | undefined): FanoutScenario[] {
  if (numbers === undefined) return scenarios;
  return numbers.split(',').map((n) => {
    const scenario = scenarios[Number(n) - 1];
    if (!scenario) throw new Error(`--scenarios: no scenario ${n} (1 to ${scenarios.length})`);
    return scenario;
  });
}

export function readOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({ args: argv, options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    only: { type: 'string', default: 'fanout,ingest,scaling,conversations' },
    brokers: { type: 'string', default: 'embedded,mosquitto' },
    storages: { type: 'string', default: 'sqlite,cassandra' },
    connections: { type: 'string' },
    scenarios: { type: 'string' },
    'dino-env': { type: 'string', default: '' },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  } });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  const runs = Number(values.runs ?? (quick ? 1 : 3));
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected a positive integer, got ${values.runs}`);
  const connections = (values.connections ?? (quick ? '50' : '10,50,200')).split(',').map(Number);
  if (connections.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`--connections: expected integers, got ${values.connections}`);
  const narrowed = ['only', 'brokers', 'storages', 'connections', 'scenarios', 'dino-env'].some((name) => argv.some((a) => a.startsWith(`--${name}`)));
  return {
    quick, runs, connections, partial: quick || narrowed || values.profile,
    sections: list(values.only, ['fanout', 'ingest', 'scaling', 'conversations'] as const, 'only'),
    brokers: list(values.brokers, ['embedded', 'mosquitto'] as const, 'brokers'),
    storages: list(values.storages, ['sqlite', 'cassandra'] as const, 'storages'),
    fanout: pick(quick ? QUICK_FANOUT : FULL_FANOUT, values.scenarios),
    fanoutTimeoutMs: quick ? 20_000 : 60_000,
    loadSeconds: quick ? 3 : 8,
    warmupSeconds: quick ? 1 : 2,
    profile: values.profile,
    dinoEnv: settingsList(values['dino-env']),
  };
}
