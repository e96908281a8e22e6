import { DINO_EVENT_TYPES } from '../core/events.js';
import type { Broadcast } from '../core/ports/queue.js';

/** Caller-chosen event types counted under their own name; past these, new ones count as "other". */
export const MAX_CALLER_EVENT_TYPES = 50;

/**
 * The `event_type` label of a broadcast, from a bounded set: Dino's own types always, the first
 * MAX_CALLER_EVENT_TYPES others the notification endpoint was given, and "other" for the rest, so a caller cannot
 * grow the series without end.
 */
export class EventTypeLabels {
  private readonly named = new Set<string>(DINO_EVENT_TYPES);
  private callerTypes = 0;

  label(broadcast: Broadcast): string {
    const eventType = broadcast.eventType ?? eventTypeIn(broadcast.payload);
    if (this.named.has(eventType)) return eventType;
    if (this.callerTypes >= MAX_CALLER_EVENT_TYPES) return 'other';
    this.callerTypes++;
    this.named.add(eventType);
    return eventType;
  }
}

/**
 * A broadcast that came without its event type (left in the journal or the stream by an older version) is read
 * for it: rare enough to parse.
 */
function eventTypeIn(payload: string): string {
  try {
    const eventType = (JSON.parse(payload) as { event_type?: unknown } | null)?.event_type;
    return typeof eventType === 'string' ? eventType : 'unknown';
  } catch {
    return 'unknown';
  }
}
