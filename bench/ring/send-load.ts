/** Sends to one group from `lanes` concurrent callers until stopped, keeping every answer's time, status and id. */
import { quantileSorted } from '../stats.js';

export interface SendRecord {
  seq: number;
  /** ms from the load's start to the request's start. */
  at: number;
  ms: number;
  /** HTTP status, 0 when no answer came (connection error or our 30 s time-out). */
  status: number;
  messageId?: string;
  createdAt?: number;
}

export interface PhaseFigures {
  phase: string;
  seconds: number;
  sends: number;
  ok: number;
  /** Non-2xx answers by status ("0": none came). */
  failed: Record<string, number>;
  okPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export class SendLoad {
  readonly records: SendRecord[] = [];
  private readonly origin = performance.now();
  private running = true;
  private readonly lanes: Promise<void>[];
  private seq = 0;

  constructor(private readonly url: string, lanes: number) {
    this.lanes = Array.from({ length: lanes }, () => this.lane());
  }

  /** ms since the load started: the clock of every record and phase. */
  now(): number {
    return performance.now() - this.origin;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.lanes);
  }

  private async lane(): Promise<void> {
    while (this.running) {
      const seq = ++this.seq;
      const at = this.now();
      const record: SendRecord = { seq, at, ms: 0, status: 0 };
      try {
        const response = await fetch(this.url, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ message_payload: `ring ${seq}`, message_type: 'text' }), signal: AbortSignal.timeout(30_000),
        });
        const body = (await response.json()) as { message_id?: string; created_at?: number };
        record.status = response.status;
        if (response.ok) Object.assign(record, { messageId: body.message_id, createdAt: body.created_at });
      } catch {
        record.status = 0;
      }
      record.ms = this.now() - at;
      this.records.push(record);
      if (record.status !== 200 && record.status !== 201) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export const accepted = (r: SendRecord) => r.status >= 200 && r.status < 300;

/** Figures of the sends started in [fromMs, toMs). */
export function phaseFigures(records: SendRecord[], phase: string, fromMs: number, toMs: number): PhaseFigures {
  const inPhase = records.filter((r) => r.at >= fromMs && r.at < toMs);
  const failed: Record<string, number> = {};
  for (const r of inPhase) if (!accepted(r)) failed[r.status] = (failed[r.status] ?? 0) + 1;
  const sorted = Float64Array.from(inPhase.map((r) => r.ms)).sort();
  const seconds = (toMs - fromMs) / 1000;
  const ok = inPhase.filter(accepted).length;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    phase, seconds: round(seconds), sends: inPhase.length, ok, failed, okPerSec: Math.round(ok / seconds),
    p50Ms: round(quantileSorted(sorted, 0.5)), p99Ms: round(quantileSorted(sorted, 0.99)), maxMs: round(sorted.at(-1) ?? Number.NaN),
  };
}
