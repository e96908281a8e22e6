// `npm run build`, after tsc: tsc compiles TypeScript only, so the Lua scripts the Redis toolkit reads at run time
// (src/redis/commands/*.lua) are copied beside the compiled code. Stale copies of removed scripts go first.
import { cpSync, rmSync } from 'node:fs';

const from = new URL('../src/redis/commands/', import.meta.url);
const to = new URL('../dist/redis/commands/', import.meta.url);
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true, filter: (path) => !/\.[^/]+$/.test(path) || path.endsWith('.lua') });
