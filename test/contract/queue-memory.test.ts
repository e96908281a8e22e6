import { MemoryQueue } from '../../src/queue/memory.js';
import { queueContract } from './queue.contract.js';

// A short retry delay keeps the redelivery case quick; the behaviour is the same at any delay.
queueContract('memory', async () => new MemoryQueue({ retryDelayMs: 20 }));
