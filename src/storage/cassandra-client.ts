import cassandra from 'cassandra-driver';
import { Errors } from '../core/errors.js';
import { cqlPort } from './cassandra-port.js';
import { CASSANDRA_SCHEMA_VERSION, cassandraSchemaVersion, checkKeyspaceName } from './cassandra-schema.js';

export interface CassandraOptions {
  contactPoints: string[];
  keyspace: string;
  localDataCenter: string;
  consistency?: 'ONE' | 'LOCAL_ONE' | 'LOCAL_QUORUM' | 'QUORUM';
  /** How long one request may take before it counts as failed (503 to the caller). */
  requestTimeoutMs?: number;
}

const { consistencies, responseErrorCodes: codes } = cassandra.types;
const CONSISTENCY = { ONE: consistencies.one, LOCAL_ONE: consistencies.localOne,
  LOCAL_QUORUM: consistencies.localQuorum, QUORUM: consistencies.quorum } as const;
/**
 * Server answers that mean "not enough replicas right now", not "your statement is wrong". Read and write failures
 * are replicas that answered with an error: a node just back from a crash does so until it has caught up (seen on a
 * 3-node ring, bench/cassandra-ring.ts), and a retry then succeeds.
 */
const UNAVAILABLE_CODES = new Set<number>([codes.unavailableException, codes.overloaded, codes.isBootstrapping,
  codes.readTimeout, codes.writeTimeout, codes.truncateError, codes.readFailure, codes.writeFailure]);

/** The one place a driver failure becomes the API's 503; anything else (a bad statement) stays a bug. */
export function storageUnavailable(err: unknown): unknown {
  const e = cassandra.errors;
  const down = err instanceof e.NoHostAvailableError || err instanceof e.OperationTimedOutError
    || err instanceof e.BusyConnectionError || (err instanceof e.ResponseError && UNAVAILABLE_CODES.has(err.code));
  if (!down) return err;
  return Errors.storageUnavailable(err);
}

/**
 * The adapter's driver client, connected to a keyspace that `migrateCassandra` has brought to the current schema
 * version; a failure to reach the cluster is the API's 503 like any other.
 */
export async function openCassandraClient(opts: CassandraOptions): Promise<{ client: cassandra.Client; keyspace: string }> {
    const keyspace = checkKeyspaceName(opts.keyspace);
    const client = new cassandra.Client({
      contactPoints: opts.contactPoints,
      localDataCenter: opts.localDataCenter,
      queryOptions: { consistency: CONSISTENCY[opts.consistency ?? 'LOCAL_QUORUM'],
        serialConsistency: consistencies.localSerial, prepare: true },
      // Loading every keyspace's schema on connect and after each DDL is slow; we refresh only ours, below.
      isMetadataSyncEnabled: false,
      protocolOptions: { port: cqlPort(opts.contactPoints), maxSchemaAgreementWaitSeconds: 5 },
      socketOptions: { connectTimeout: 5000, readTimeout: opts.requestTimeoutMs ?? 12_000 },
      // The default backs off up to 10 minutes: a node back after an outage would stay unused for that long.
      policies: { reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(500, 5000, false) },
      // Two connections per node: one connection caps in-flight requests at 2048, a burst of sends can exceed it.
      pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 2 } },
    });
    try {
      await client.connect();
      const version = await cassandraSchemaVersion(client, keyspace);
      if (version !== CASSANDRA_SCHEMA_VERSION) {
        throw new Error(`Cassandra keyspace ${keyspace} has schema version ${version}, this build needs `
          + `${CASSANDRA_SCHEMA_VERSION}: run \`dino migrate\``);
      }
      await client.metadata.refreshKeyspace(keyspace); // replica placement for token-aware routing
    } catch (err) {
      await client.shutdown().catch(() => undefined);
      throw storageUnavailable(err);
    }
    return { client, keyspace };
}
