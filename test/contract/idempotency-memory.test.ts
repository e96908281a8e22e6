import { MemoryIdempotencyStore } from '../../src/idempotency/memory.js';
import { idempotencyContract } from './idempotency.contract.js';

idempotencyContract('memory', async (options) => new MemoryIdempotencyStore(options));
