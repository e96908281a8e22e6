/** The answer a request got, kept so a retry with the same key gets it again. */
export interface StoredAnswer {
  status: number;
  body: unknown;
}

export type Claim = { state: 'new' } | { state: 'busy' } | { state: 'done'; answer: StoredAnswer };

/**
 * Remembers requests by their `Idempotency-Key`: the first claims the key and runs; a retry within the retention time
 * gets the first answer, and creates nothing again. Every adapter passes test/contract/idempotency.contract.ts.
 */
export interface IdempotencyStore {
  readonly kind: string;
  /** Reserves the key for this request, or tells what became of the request that has it. */
  claim(key: string): Promise<Claim>;
  /** Records the first request's answer, kept for the retention time. */
  complete(key: string, answer: StoredAnswer): Promise<void>;
  /** Gives the key up after a failure, so a retry runs afresh. */
  release(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface IdempotencyOptions {
  /** How long an answer is kept (24 h by default). */
  retentionMs?: number;
  /** How long a claim without an answer holds the key: a process that died mid-request frees it after this. */
  claimMs?: number;
}

export const DEFAULT_RETENTION_MS = 24 * 3600 * 1000;
export const DEFAULT_CLAIM_MS = 60 * 1000;
