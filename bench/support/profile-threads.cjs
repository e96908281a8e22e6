/**
 * Preloaded into a Dino process by `npm run bench -- --profile` (NODE_OPTIONS=--require …), it CPU-profiles the
 * worker threads, which `--cpu-prof` misses (Piscina starts them with their own execArgv). A terminated worker runs
 * no exit handler, so each thread writes its profile in slices: <dir>/worker-<pid>-<thread>-<n>.cpuprofile.
 */
const { isMainThread, threadId } = require('node:worker_threads');
const dir = process.env.DINO_BENCH_PROFILE_DIR;

if (!isMainThread && dir) {
  const inspector = require('node:inspector');
  const fs = require('node:fs');
  const path = require('node:path');
  const session = new inspector.Session();
  session.connect();
  let slice = 0;
  const start = () => session.post('Profiler.start');
  session.post('Profiler.enable', start);
  const timer = setInterval(() => {
    session.post('Profiler.stop', (err, result) => {
      if (!err) {
        const file = path.join(dir, `worker-${process.pid}-${threadId}-${String(slice++).padStart(3, '0')}.cpuprofile`);
        fs.writeFileSync(file, JSON.stringify(result.profile));
      }
      start();
    });
  }, Number(process.env.DINO_BENCH_PROFILE_SLICE_MS ?? 2000));
  timer.unref();
}
