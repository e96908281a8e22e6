import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Aedes } from 'aedes';
import type { MqttLimits } from '../config.js';
import { logger } from '../log.js';
import { ConnectRate } from './connect-rate.js';
import { FrameScanner, ScannedConnection } from './frames.js';
import { Tally } from './tally.js';

/**
 * Where client connections come in, over TCP and WebSocket alike: each is counted against its address's connect
 * rate as it is accepted, and aedes reads it through a FrameScanner, so no packet over the limits reaches it.
 */
export class Entrance {
  private readonly rate: ConnectRate;
  private readonly overLimit: Tally;

  constructor(private readonly aedes: Aedes, private readonly limits: MqttLimits) {
    this.rate = new ConnectRate(limits.connectsPerIpPerSecond);
    this.overLimit = new Tally('mqtt connections closed for a packet over the limits', {
      maxPacketSize: limits.maxPacketSize, maxFiltersPerSubscribe: limits.maxFiltersPerSubscribe,
    });
  }

  /** A listener's new socket: false, and the socket destroyed, when its address is over the rate. */
  admit(socket: Socket): boolean {
    if (this.rate.admit(socket.remoteAddress)) return true;
    socket.destroy();
    return false;
  }

  /** Hands a connection to aedes; `peer` names it in the log when it is cut off. */
  hand(stream: Duplex, peer = 'unknown', req?: IncomingMessage): void {
    const refuse = (reason: string) => {
      logger.debug({ peer }, `mqtt connection closed: ${reason}`);
      this.overLimit.count(peer);
    };
    this.aedes.handle(new ScannedConnection(stream, new FrameScanner(this.limits), refuse), req);
  }

  close(): void {
    this.rate.close();
    this.overLimit.close();
  }
}
