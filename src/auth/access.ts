import { timingSafeEqual } from 'node:crypto';
import { PUBLISHER_USERNAME, publisherPassword, Tokens, userIdOf } from './tokens.js';

/** Who a connection is: an app of one user, or one of Dino's own fan-out publishers. */
export type Identity = { kind: 'user'; userId: number } | { kind: 'publisher' };

export interface Credentials {
  clientId: string;
  username?: string;
  password?: string;
}

/** A client id is the user id, or the user id, `-` and a device label (`1234`, `1234-web`). */
const CLIENT_ID = /^([1-9][0-9]{0,15})(?:-[A-Za-z0-9_.:]{1,64})?$/;

/**
 * The rules of secure mode, in one place for the embedded broker and the hooks of external brokers alike: an app
 * connects as its own user with a valid token and may only subscribe to its own topic; only Dino's publishers, with
 * the password derived from the secret, may publish, and never retained.
 */
export class AccessPolicy {
  private readonly publisherSecret: Buffer | null;

  constructor(private readonly tokens: Tokens, private readonly topicPrefix: string, secret?: string) {
    this.publisherSecret = secret === undefined ? null : Buffer.from(publisherPassword(secret));
  }

  async authenticate({ clientId, username, password }: Credentials): Promise<Identity | null> {
    if (username === PUBLISHER_USERNAME) return this.isPublisherPassword(password) ? { kind: 'publisher' } : null;
    const userId = userIdOf(username);
    if (userId === null || userIdOf(CLIENT_ID.exec(clientId)?.[1]) !== userId) return null;
    if (password === undefined || (await this.tokens.verify(password)) !== userId) return null;
    return { kind: 'user', userId };
  }

  /** Only the user's own topic, exactly: no wildcard, no other id, no `$SYS`. */
  maySubscribe(identity: Identity, topic: string): boolean {
    return identity.kind === 'user' && topic === this.topicOf(identity.userId);
  }

  /** Only Dino's publishers, only to a user topic, never retained. */
  mayPublish(identity: Identity, topic: string, retain: boolean): boolean {
    if (identity.kind !== 'publisher' || retain || !topic.startsWith(this.topicPrefix)) return false;
    return userIdOf(topic.slice(this.topicPrefix.length)) !== null;
  }

  /** The identity a hook request names, for brokers that ask about a client after it connected. */
  identityOf(username: string | undefined, clientId: string): Identity | null {
    if (username === PUBLISHER_USERNAME) return { kind: 'publisher' };
    const userId = userIdOf(username);
    return userId !== null && userIdOf(CLIENT_ID.exec(clientId)?.[1]) === userId ? { kind: 'user', userId } : null;
  }

  topicOf(userId: number): string {
    return this.topicPrefix + userId;
  }

  private isPublisherPassword(password: string | undefined): boolean {
    if (!this.publisherSecret || password === undefined) return false;
    const given = Buffer.from(password);
    return given.length === this.publisherSecret.length && timingSafeEqual(given, this.publisherSecret);
  }
}
