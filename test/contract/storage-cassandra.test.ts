import { randomBytes } from 'node:crypto';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DinoError, ErrorCode } from '../../src/core/errors.js';
import { CassandraStorage } from '../../src/storage/cassandra.js';
import type { CassandraOptions } from '../../src/storage/cassandra-client.js';
import {
  CASSANDRA_SCHEMA_VERSION, cassandraSchemaVersion, migrateCassandra, replicationCql,
} from '../../src/storage/cassandra-schema.js';
import { cassandraContactPoint } from '../support/services.js';
import { attachmentsContract } from './attachments.contract.js';
import { memberStateContract } from './member-state.contract.js';
import { messageEditsContract } from './message-edits.contract.js';
import { retentionContract } from './retention.contract.js';
import { storageContract } from './storage.contract.js';

const contactPoint = cassandraContactPoint();
const keyspace = `dino_test_${randomBytes(6).toString('hex')}`;
const options: CassandraOptions = { contactPoints: [contactPoint ?? ''], keyspace, localDataCenter: 'datacenter1',
  consistency: 'ONE' };

describe('replication specs', () => {
  it('reads simple:N and dc:N lists', () => {
    expect(replicationCql('simple:1')).toBe(`{'class': 'SimpleStrategy', 'replication_factor': 1}`);
    expect(replicationCql('dc1:3,dc2:2')).toBe(`{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 2}`);
    for (const bad of ['simple:0', 'dc1', 'dc1:x', "dc'1:3", '']) expect(() => replicationCql(bad)).toThrow();
  });
});

describe.skipIf(!contactPoint)('cassandra', () => {
  // One admin connection creates the run's own keyspace and drops it afterwards.
  const admin = new cassandra.Client({ contactPoints: options.contactPoints, localDataCenter: 'datacenter1',
    isMetadataSyncEnabled: false });
  beforeAll(async () => {
    await admin.connect();
    expect(await cassandraSchemaVersion(admin, keyspace)).toBe(0);
    expect(await migrateCassandra(admin, keyspace, 'simple:1')).toBe(CASSANDRA_SCHEMA_VERSION);
  });
  afterAll(async () => {
    await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await admin.shutdown();
  });

  describe('schema', () => {
    it('migrates idempotently and records its version', async () => {
      expect(await migrateCassandra(admin, keyspace, 'simple:1')).toBe(0);
      expect(await cassandraSchemaVersion(admin, keyspace)).toBe(CASSANDRA_SCHEMA_VERSION);
    });

    it('refuses a keyspace without the current schema', async () => {
      await expect(CassandraStorage.connect({ ...options, keyspace: `${keyspace}_none` })).rejects.toThrow(/dino migrate/);
    });

    it('answers 503 STORAGE_UNAVAILABLE when no node is reachable', async () => {
      const err = await CassandraStorage.connect({ ...options, contactPoints: ['127.0.0.1:1'] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DinoError);
      expect(err).toMatchObject({ code: ErrorCode.STORAGE_UNAVAILABLE });
    });
  });

  storageContract('cassandra', () => CassandraStorage.connect(options));
  memberStateContract('cassandra', () => CassandraStorage.connect(options));
  messageEditsContract('cassandra', () => CassandraStorage.connect(options));
  retentionContract('cassandra', () => CassandraStorage.connect(options));
  attachmentsContract('cassandra', () => CassandraStorage.connect(options));
});
