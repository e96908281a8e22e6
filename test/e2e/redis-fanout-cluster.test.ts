import { redisClusterUrl } from '../support/services.js';
import { redisFanoutSuite } from './redis-fanout.suite.js';

redisFanoutSuite('3-master Redis Cluster, 3 partitions', redisClusterUrl(), 3);
