/**
 * How long `GET /healthz` waits while Dino accepts a maximal notification (1 000 000 user ids, ~7 MB of JSON): the
 * latency of back-to-back probes during the request (body upload, parse, checks, journal) and for a while after it
 * (the fan-out to the embedded broker). Single-process mode: SQLite, in-process queue, embedded broker. Beside the
 * probes, Dino's own view: the longest its event loop went without a turn (bench/support/loop-gaps.cjs), which
 * leaves out the probing client's delays. On a machine busy with other work both include waiting for a CPU.
 *
 *   npm run build && node --import tsx bench/healthz-under-load.ts [--ids 1000000] [--runs 3] [--after-ms 3000]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchDino } from './support/dino.js';
import { call, closeProbes, probe, summary } from './support/healthz-probe.js';

const { values } = parseArgs({ options: {
  ids: { type: 'string', default: '1000000' },
  runs: { type: 'string', default: '3' },
  'after-ms': { type: 'string', default: '3000' },
} });
const ids = Number(values.ids);
const LOOP_GAPS = fileURLToPath(new URL('./support/loop-gaps.cjs', import.meta.url));
/** The event-loop gaps Dino reported between two epoch times, longest first. */
function loopGaps(logs: string[], from: number, to: number): string {
  const gaps = logs.filter((line) => line.startsWith('{"loopGapMs"')).map((line) => JSON.parse(line) as { loopGapMs: number; at: number })
    .filter((g) => g.at >= from && g.at <= to).map((g) => g.loopGapMs).sort((a, b) => b - a);
  return gaps.length === 0 ? 'none over 20 ms' : `${gaps.length} over 20 ms, longest ${gaps.slice(0, 5).join(', ')} ms`;
}

const body = Buffer.from(JSON.stringify({
  event_type: 'bench', notification: [{ user_ids: Array.from({ length: ids }, (_, i) => i + 1), data: { text: 'hello' } }],
}));
console.log(`notification of ${ids} ids, ${(body.length / 1e6).toFixed(1)} MB`);
for (let run = 1; run <= Number(values.runs); run++) {
  const dino = await launchDino('start', { NODE_OPTIONS: `--require ${LOOP_GAPS}` });
  try {
    await probe(dino.httpPort, ((n) => () => n-- <= 0)(200)); // warm up
    let accepted = false;
    const startedAt = Date.now();
    const start = performance.now();
    const [answer, during] = await Promise.all([
      call(dino.httpPort, 'POST', '/v1/notification/send', body).finally(() => (accepted = true)),
      probe(dino.httpPort, () => accepted),
    ]);
    const acceptMs = performance.now() - start;
    const acceptedAt = Date.now();
    const afterEnd = performance.now() + Number(values['after-ms']);
    const after = await probe(dino.httpPort, () => performance.now() > afterEnd);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the last gap lines
    console.log(`run ${run}: ${answer.status} ${answer.text} in ${acceptMs.toFixed(0)} ms`);
    console.log(`  /healthz while accepting: ${summary(during)}; Dino's loop: ${loopGaps(dino.logs, startedAt, acceptedAt)}`);
    console.log(`  /healthz in the ${values['after-ms']} ms after (fan-out): ${summary(after)}; Dino's loop: ${loopGaps(dino.logs, acceptedAt, Date.now())}`);
  } finally {
    const troubles = await dino.close();
    if (troubles.length > 0) console.log(`  Dino logged: ${troubles.slice(0, 3).join('\n    ').slice(0, 600)}`);
  }
}
closeProbes();
process.exit(0);
