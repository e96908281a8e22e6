import { loadConfig } from '../../src/config.js';
import { setLogLevel } from '../../src/log.js';

setLogLevel(loadConfig({ DINO_LOG_LEVEL: process.env.DINO_LOG_LEVEL }).logLevel);
