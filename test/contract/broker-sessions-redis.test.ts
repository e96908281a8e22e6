import { serviceAvailable } from '../helpers/services.js';
import { abstractSuiteAgainst } from './broker-sessions.abstract.js';

// Each store of the suite writes under a key prefix of its own, removed at the end: nothing else in Redis is touched.
abstractSuiteAgainst('redis', { skip: !(await serviceAvailable('Redis', '127.0.0.1', 6379)) });
