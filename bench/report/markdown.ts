import type { BenchResults } from '../model.js';
import { conversationTable } from '../scenarios/conversations.js';
import { scalingTable } from './scaling.js';
import { fanoutTable, ingestTable, ratioTable, renderMarkdown, rssTable, targetTable, type Table } from './tables.js';

/** Every table of the run, in reading order (the Markdown summary and the terminal show the same). */
export function allTables(results: BenchResults): Table[] {
  const tables = [targetTable(results)];
  if (results.fanout.length > 0) tables.push(fanoutTable(results.fanout), rssTable(results.fanout));
  if (results.ingest.length > 0) tables.push(ingestTable(results), ratioTable(results));
  const scaling = scalingTable(results.scaling);
  if (scaling) tables.push(scaling);
  const conversations = conversationTable(results.conversations);
  if (conversations) tables.push(conversations);
  return tables;
}

export function markdownSummary(results: BenchResults, chartFile: string): string {
  const met = results.targets.filter((t) => t.met === true).length;
  const measured = results.targets.filter((t) => t.met !== undefined).length;
  const scaling = results.scaling !== undefined && !scalingTable(results.scaling)
    ? ['### Scaling (bench/scaling.ts)', '', '```json', JSON.stringify(results.scaling, null, 2), '```', ''] : [];
  return [
    `# Dino benchmark, ${results.date}${results.quick ? ' (quick)' : ''}`,
    '',
    `Median of ${results.runs} run(s) per figure, min–max in brackets; ${results.machine.cpus} cores shared by Dino, the brokers, `
      + `the subscribers and the load generators; Node ${results.machine.node}; load average at start `
      + `${results.machine.load.map((l) => l.toFixed(2)).join(' ')}. ${met} of ${measured} targets met.`,
    '',
    `Reproduce: \`npm run bench\` (\`npm run bench -- --quick\` for a short version) with Mosquitto on 127.0.0.1:1883, Redis on `
      + '127.0.0.1:6379 and Cassandra on 127.0.0.1:9042 (`bash scripts/cassandra/cassandra.sh start`).',
    '',
    `![throughput and latency per scenario, Dino beside its ceiling](${chartFile})`,
    '',
    ...allTables(results).map(renderMarkdown),
    ...scaling,
    '### Notes',
    '',
    ...results.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}
