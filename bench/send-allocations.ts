/**
 * Bytes allocated per send, by the function that allocated them: the same send path as bench/send-instructions.ts
 * (bench/support/core-send-loop.ts), with V8's sampling heap profiler counting every allocation of the measured sends,
 * those the garbage collector has freed since included. What a send allocates is what the young-generation
 * collections then cost it; this says where it comes from.
 *
 *   npx tsx bench/send-allocations.ts [--sends 20000] [--warm-up 30000] [--top 30]
 */
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { coreSendLoop } from './support/core-send-loop.js';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const { values } = parseArgs({ options: {
  sends: { type: 'string', default: '20000' }, 'warm-up': { type: 'string', default: '30000' }, top: { type: 'string', default: '30' } } });
const [sends, warmUp, top] = [Number(values.sends), Number(values['warm-up']), Number(values.top)];

const session = new Session();
session.connect();
let profile: ProfileNode | undefined;
await coreSendLoop(sends, warmUp, async (phase) => {
  if (phase === 'measure') {
    await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMinorGC: true,
      includeObjectsCollectedByMajorGC: true });
  } else {
    profile = ((await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } }).profile.head;
  }
});
session.disconnect();

const byFunction = new Map<string, number>();
const walk = (node: ProfileNode) => {
  const { functionName, url } = node.callFrame;
  const name = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(src|node_modules|bench)\//, '$1/') || '(native)'}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
  node.children.forEach(walk);
};
walk(profile!);
const total = [...byFunction.values()].reduce((sum, bytes) => sum + bytes, 0);
console.log(`${Math.round(total / sends)} bytes allocated per send (${sends} sends after ${warmUp}), by allocating function:`);
for (const [name, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${String(Math.round(bytes / sends)).padStart(7)}  ${name}`);
}
