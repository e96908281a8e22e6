import { abstractSuiteAgainst } from './broker-sessions.abstract.js';

abstractSuiteAgainst('sqlite');
