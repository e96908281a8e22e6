#!/usr/bin/env node
// The `dino` command: runs the compiled CLI (built by `npm ci`/`npm run build`).
import('../dist/cli.js').catch((err) => {
  console.error(err?.code === 'ERR_MODULE_NOT_FOUND' ? 'dino: not built yet, run `npm run build` first' : err);
  process.exit(1);
});
