import cassandra from 'cassandra-driver';
import type { Config } from '../config.js';
import { cqlPort } from './cassandra-port.js';
import { CASSANDRA_SCHEMA_VERSION, migrateCassandra } from './cassandra-schema.js';

/** `dino migrate` for Cassandra: creates the keyspace with the configured replication and brings the tables up. */
export async function migrateCassandraKeyspace(options: NonNullable<Config['cassandra']>): Promise<string> {
  const client = new cassandra.Client({
    contactPoints: options.contactPoints,
    localDataCenter: options.localDataCenter,
    isMetadataSyncEnabled: false,
    protocolOptions: { port: cqlPort(options.contactPoints), maxSchemaAgreementWaitSeconds: 10 },
  });
  try {
    await client.connect();
    const applied = await migrateCassandra(client, options.keyspace, options.replication);
    return applied === 0
      ? `Cassandra keyspace ${options.keyspace} already at schema version ${CASSANDRA_SCHEMA_VERSION}`
      : `Cassandra keyspace ${options.keyspace} migrated to schema version ${CASSANDRA_SCHEMA_VERSION} (${applied} step(s))`;
  } finally {
    await client.shutdown();
  }
}
