import { DEFAULT_CLAIM_MS, DEFAULT_RETENTION_MS, type Claim, type IdempotencyOptions, type IdempotencyStore, type StoredAnswer } from '../core/ports/idempotency.js';

interface Record {
  answer: StoredAnswer | null;
  expiresAt: number;
}

/** Keys of the single-process mode, held in memory (forgotten on restart). */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly kind = 'memory';
  private readonly records = new Map<string, Record>();
  private readonly retentionMs: number;
  private readonly claimMs: number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: IdempotencyOptions = {}) {
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.claimMs = options.claimMs ?? DEFAULT_CLAIM_MS;
    this.sweeper = setInterval(() => this.sweep(), 60_000).unref();
  }

  async claim(key: string): Promise<Claim> {
    const record = this.records.get(key);
    if (record && record.expiresAt > Date.now()) return record.answer ? { state: 'done', answer: record.answer } : { state: 'busy' };
    this.records.set(key, { answer: null, expiresAt: Date.now() + this.claimMs });
    return { state: 'new' };
  }

  async complete(key: string, answer: StoredAnswer): Promise<void> {
    this.records.set(key, { answer, expiresAt: Date.now() + this.retentionMs });
  }

  async release(key: string): Promise<void> {
    if (this.records.get(key)?.answer === null) this.records.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, record] of this.records) if (record.expiresAt <= now) this.records.delete(key);
  }
}
