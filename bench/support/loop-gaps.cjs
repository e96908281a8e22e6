/**
 * Preloaded into a Dino process by bench/healthz-under-load.ts (NODE_OPTIONS=--require …): measures, inside the
 * process, how long its main thread's event loop went without a turn. A 5 ms timer that fires late by more than
 * 20 ms writes one line `{"loopGapMs": <late by>, "at": <epoch ms>}` on stdout. A gap is the loop blocked by some
 * callback, or the thread waiting for a CPU on a busy machine.
 */
const { isMainThread } = require('node:worker_threads');

if (isMainThread) {
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    const late = now - last - 5;
    if (late > 20) process.stdout.write(`${JSON.stringify({ loopGapMs: Math.round(late), at: Date.now() })}\n`);
    last = now;
  }, 5).unref();
}
