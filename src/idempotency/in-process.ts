import { DEFAULT_CLAIM_MS, DEFAULT_RETENTION_MS, type Claim, type IdempotencyOptions, type IdempotencyStore, type StoredAnswer } from '../core/ports/idempotency.js';

interface KeptAnswer {
  answer: StoredAnswer | null;
  expiresAt: number;
}

export interface MemoryIdempotencyOptions extends IdempotencyOptions {
  /** Keys held at most; past it the oldest claimed go first, so callers sending unique keys cannot exhaust memory. */
  maxKeys?: number;
}

export const DEFAULT_MAX_KEYS = 100_000;

/**
 * Keys of the single-process mode, held in memory (forgotten on restart). The map keeps keys in the order they were
 * last written, so its first key is always the oldest.
 */
export class InProcessIdempotencyStore implements IdempotencyStore {
  readonly kind = 'in-process';
  private readonly records = new Map<string, KeptAnswer>();
  private readonly retentionMs: number;
  private readonly claimMs: number;
  private readonly maxKeys: number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: MemoryIdempotencyOptions = {}) {
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.claimMs = options.claimMs ?? DEFAULT_CLAIM_MS;
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    this.sweeper = setInterval(() => this.sweep(), 60_000).unref();
  }

  async claim(key: string): Promise<Claim> {
    const record = this.records.get(key);
    if (record && record.expiresAt > Date.now()) return record.answer ? { state: 'done', answer: record.answer } : { state: 'busy' };
    this.insert(key, { answer: null, expiresAt: Date.now() + this.claimMs });
    return { state: 'new' };
  }

  /** Keys held now, expired ones not yet swept included. */
  get size(): number {
    return this.records.size;
  }

  async complete(key: string, answer: StoredAnswer): Promise<void> {
    this.insert(key, { answer, expiresAt: Date.now() + this.retentionMs });
  }

  async release(key: string): Promise<void> {
    if (this.records.get(key)?.answer === null) this.records.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  /** Writes the key as the newest, first dropping the oldest keys past the cap. */
  private insert(key: string, record: KeptAnswer): void {
    this.records.delete(key);
    for (const oldest of this.records.keys()) {
      if (this.records.size < this.maxKeys) break;
      this.records.delete(oldest);
    }
    this.records.set(key, record);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, record] of this.records) if (record.expiresAt <= now) this.records.delete(key);
  }
}
