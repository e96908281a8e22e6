import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { cqlPort } from '../../src/storage/cassandra-port.js';

// The driver reaches the nodes it discovers at protocolOptions.port: a ring on 9142 (scripts/cassandra/ring.sh) was
// used through its one contact point only, the other two nodes being looked for at 9042.
describe('the CQL port of every node', () => {
  it('is the port the contact points name, else 9042', () => {
    expect(cqlPort(['127.0.0.1:9142', '127.0.0.2', '127.0.0.3:9142'])).toBe(9142);
    expect(cqlPort(['db1', 'db2'])).toBe(9042);
  });

  it('is one port for all: contact points naming two are refused', () => {
    expect(loadConfig({ DINO_CASSANDRA_CONTACT_POINTS: '127.0.0.1:9142,127.0.0.2:9142' }).cassandra?.contactPoints).toHaveLength(2);
    expect(() => loadConfig({ DINO_CASSANDRA_CONTACT_POINTS: 'a:9142,b:9043' })).toThrow(/DINO_CASSANDRA_CONTACT_POINTS.*same port/);
  });
});
