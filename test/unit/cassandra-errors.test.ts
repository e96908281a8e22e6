import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { DinoError, ErrorCode } from '../../src/core/errors.js';
import { storageUnavailable } from '../../src/storage/cassandra-client.js';

const { responseErrorCodes: codes } = cassandra.types;
const answer = (code: number) => new cassandra.errors.ResponseError(code, 'from the server');

// A ring node back from kill -9 answered reads with "Server failure during read query" (read failure) until it caught
// up: the API answered 500 (unexpected) where a retry would have succeeded.
describe('Cassandra answers that mean "retry" (503, code 620)', () => {
  it.each([
    ['read failure', codes.readFailure], ['write failure', codes.writeFailure], ['unavailable', codes.unavailableException],
    ['write timeout', codes.writeTimeout],
  ])('%s', (_name, code) => {
    const mapped = storageUnavailable(answer(code));
    expect(mapped).toBeInstanceOf(DinoError);
    expect((mapped as DinoError).code).toBe(ErrorCode.STORAGE_UNAVAILABLE);
  });

  it('leaves a statement error as it is (500)', () => {
    const invalid = answer(codes.invalid);
    expect(storageUnavailable(invalid)).toBe(invalid);
  });
});
