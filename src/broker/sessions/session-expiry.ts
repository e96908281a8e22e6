import { logger } from '../../log.js';
import type { SessionBroker, SessionClient } from './types.js';

/** Where a store keeps when each persistent client was last seen, and how it forgets a session. */
export interface SessionClock {
  /** Up to `limit` clients last seen before `cutoff` (ms), oldest first. */
  sessionsUnseenSince(cutoff: number, limit: number): Promise<string[]>;
  markSeen(clientIds: string[], at: number): Promise<void>;
  /** Removes everything kept for these clients: subscriptions, queued packets, inbound QoS 2 state, will. */
  forgetSessions(clientIds: string[]): Promise<void>;
}

const PAGE = 1000;

/**
 * Session expiry (DINO_MQTT_SESSION_EXPIRY, like brokers' persistent_client_expiration): a persistent client is dated
 * when it connects, subscribes and disconnects; one away for longer than the expiry loses its session in the next
 * sweep. A session's clock does not run while Dino is stopped: nothing expires sooner than one expiry after start.
 */
export class SessionExpiry {
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private broker: SessionBroker | undefined;
  private readonly onPresence = (client: SessionClient) => {
    if (client.clean === false) this.seen(client.id).catch(() => undefined); // only fails once the store is closed
  };

  constructor(
    private readonly clock: SessionClock,
    private readonly expiryMs: number,
    private readonly now: () => number = Date.now,
    /** By default a quarter of the expiry, at most hourly. */
    private readonly sweepEveryMs = Math.min(Math.max(expiryMs / 4, 1000), 3_600_000),
  ) {}

  /** Listens to the broker's connects and disconnects, and sweeps from now on. */
  start(broker: SessionBroker): void {
    this.startedAt = this.now();
    this.broker = broker;
    broker.on?.('client', this.onPresence);
    broker.on?.('clientDisconnect', this.onPresence);
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => logger.error({ err }, 'mqtt session expiry sweep failed'));
    }, this.sweepEveryMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.broker?.off?.('client', this.onPresence);
    this.broker?.off?.('clientDisconnect', this.onPresence);
  }

  seen(clientId: string): Promise<void> {
    return this.clock.markSeen([clientId], this.now());
  }

  /** Forgets the sessions of clients away longer than the expiry; returns their ids. */
  async sweep(now = this.now()): Promise<string[]> {
    const cutoff = now - this.expiryMs;
    if (this.startedAt >= cutoff) return [];
    const expired: string[] = [];
    for (;;) {
      const page = await this.clock.sessionsUnseenSince(cutoff, PAGE);
      // A client connected all along was last dated at its connect: it is seen now, not expired.
      const connected = page.filter((id) => this.broker?.clients?.[id] !== undefined);
      const gone = page.filter((id) => this.broker?.clients?.[id] === undefined);
      if (connected.length > 0) await this.clock.markSeen(connected, now);
      if (gone.length > 0) await this.clock.forgetSessions(gone);
      expired.push(...gone);
      if (page.length < PAGE) break;
    }
    if (expired.length > 0) {
      logger.info({ sessions: expired.length, expirySeconds: this.expiryMs / 1000 },
        'mqtt sessions expired (DINO_MQTT_SESSION_EXPIRY): their subscriptions and queued messages are removed');
    }
    return expired;
  }
}
