import { redisUrl } from '../support/services.js';
import { redisFanoutSuite } from './redis-fanout.suite.js';

redisFanoutSuite('one Redis', redisUrl(), 1);
