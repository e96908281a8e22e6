/**
 * Just the 100 000-recipient notification of `npm run bench` (bench/scenarios/fanout.ts), Dino beside the raw
 * mqtt.js baseline, with the Dino process's RSS:
 *
 *   npm run build && npx tsx bench/fanout-100k.ts [--runs 3] [--brokers embedded,mosquitto] [--sample 2000]
 */
import { parseArgs } from 'node:util';
import type { BrokerKind } from './model.js';
import { endProgress } from './progress.js';
import { fanoutTable, renderText, rssTable } from './report/tables.js';
import { runFanout } from './scenarios/fanout.js';

const { values } = parseArgs({ options: {
  runs: { type: 'string', default: '3' },
  brokers: { type: 'string', default: 'embedded,mosquitto' },
  sample: { type: 'string', default: '2000' },
} });
const results = await runFanout({
  brokers: values.brokers.split(',') as BrokerKind[], runs: Number(values.runs), timeoutMs: 60_000,
  scenarios: [{ id: '100k notification', kind: 'notification', users: 100_000, messages: 1, subscribers: Number(values.sample) }],
});
endProgress();
console.log(`${renderText(fanoutTable(results))}\n\n${renderText(rssTable(results))}`);
process.exit(0);
