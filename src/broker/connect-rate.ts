import { Tally } from './tally.js';

/**
 * Dino's own publishers (with the embedded broker) and a reverse proxy on the same host connect from these; a proxy
 * must limit its own clients. Other loopback addresses (127.0.0.2, …) count like any remote one.
 */
const EXEMPT = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const SWEEP_MS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * New connections per IP address, over both listeners: a token bucket per address holding up to `perSecond`
 * connections and refilled at `perSecond` a second, so a burst gets `perSecond` in and then that many a second.
 */
export class ConnectRate {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refused: Tally;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly perSecond: number) {
    this.refused = new Tally('mqtt connections refused over the per-address rate', { limit: perSecond, setting: 'DINO_MQTT_CONNECT_RATE' });
    this.sweeper = setInterval(() => this.sweep(performance.now()), SWEEP_MS).unref();
  }

  /** Whether a connection from `address` may go on; counts it. */
  admit(address: string | undefined, now = performance.now()): boolean {
    if (address === undefined) return false; // the socket is already gone
    if (EXEMPT.has(address)) return true;
    const bucket = this.buckets.get(address) ?? { tokens: this.perSecond, at: now };
    bucket.tokens = this.refill(bucket, now);
    bucket.at = now;
    this.buckets.set(address, bucket);
    if (bucket.tokens < 1) {
      this.refused.count(address);
      return false;
    }
    bucket.tokens -= 1;
    return true;
  }

  close(): void {
    clearInterval(this.sweeper);
    this.refused.close();
  }

  private refill(bucket: Bucket, now: number): number {
    return Math.min(this.perSecond, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
  }

  /** Forgets addresses whose bucket is full again: they are where a new address starts. */
  private sweep(now: number): void {
    for (const [address, bucket] of this.buckets) if (this.refill(bucket, now) >= this.perSecond) this.buckets.delete(address);
  }
}
