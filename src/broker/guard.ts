import type { Aedes, AedesOptions, AedesPublishPacket, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import { AccessPolicy, type Identity } from '../auth/access.js';
import { Tokens } from '../auth/tokens.js';
import type { AuthConfig } from '../config.js';
import { logger } from '../log.js';
import { readSettingFile } from '../setting-file.js';
import type { SessionStore } from './session-store.js';
import { Tally } from './tally.js';

/** What one connection was let in as, and the topic filters it holds. */
interface Session {
  /** Null in open mode: nobody is asked who they are. */
  identity: Identity | null;
  topics: Set<string>;
}

type Hooks = Required<Pick<AedesOptions, 'authenticate' | 'authorizeSubscribe' | 'authorizePublish' | 'authorizeForward'>>;

const NOT_AUTHORIZED = 5;

/**
 * The embedded broker's gatekeeper: aedes' hooks in front of the one AccessPolicy. In secure mode (a JWT secret or
 * public key) a client is let in only as a user with a valid token, or as one of Dino's publishers; apps may only
 * subscribe to their own topic and publish nothing. In open mode anyone is let in and may subscribe and publish
 * anywhere. In both: no `$SYS` subscriptions, no retained messages, at most `maxSubscriptions` filters per client.
 */
export class BrokerGuard {
  private readonly sessions = new WeakMap<Client, Session>();
  // Each refusal is a debug line; a flood of them (a password guesser, a forger reconnecting) one warning per 10 s.
  private readonly refusedLogins = new Tally('mqtt logins refused (not authorized)', {});
  private readonly refusedPublishes = new Tally('mqtt publishes refused (connection closed)', {});

  private constructor(
    private readonly policy: AccessPolicy | null,
    private readonly maxSubscriptions: number,
    /** What publishers derive their password from (DINO_JWT_SECRET); undefined without one. */
    readonly publisherSecret: string | undefined,
  ) {}

  /**
   * Publishers log in with the password derived from DINO_JWT_SECRET (a `dino fanout` elsewhere publishing to this
   * broker). With only a public key configured there is no such password: the fan-out of this process publishes
   * in-thread and needs none, and no other publisher gets in.
   */
  static async create(topicPrefix: string, auth: AuthConfig, maxSubscriptions: number): Promise<BrokerGuard> {
    if (auth.jwtSecret === undefined && auth.jwtPublicKeyFile === undefined) return new BrokerGuard(null, maxSubscriptions, undefined);
    const publicKeyPem = auth.jwtPublicKeyFile === undefined ? undefined : await readSettingFile('DINO_JWT_PUBLIC_KEY_FILE', auth.jwtPublicKeyFile);
    const tokens = await Tokens.create({ secret: auth.jwtSecret, publicKeyPem, ttlSeconds: auth.jwtTtlSeconds });
    return new BrokerGuard(new AccessPolicy(tokens, topicPrefix, auth.jwtSecret), maxSubscriptions, auth.jwtSecret);
  }

  get secure(): boolean {
    return this.policy !== null;
  }

  hooks(): Hooks {
    return {
      authenticate: (client, username, password, done) => {
        void this.authenticate(client, username, password?.toString('utf8')).then((ok) => done(ok ? null : refusal(), ok));
      },
      authorizeSubscribe: (client, sub, done) => done(null, this.maySubscribe(client, sub) ? sub : null),
      authorizePublish: (client, packet, done) => done(this.publishRefusal(client, packet)),
      authorizeForward: (client, packet) => this.forwardable(client, packet),
    };
  }

  /**
   * aedes persists every filter of a SUBSCRIBE packet once any one of them is granted, refused ones included; a
   * persistent session would then queue, and hand over on its next connect, messages of topics it was refused.
   * Only granted filters are stored. Unsubscribed filters no longer count towards the limit.
   */
  watch(aedes: Aedes, store: SessionStore): void {
    const add = store.addSubscriptions.bind(store);
    store.addSubscriptions = async (client, subs) => {
      const granted = this.sessions.get(client)?.topics;
      const kept = granted ? subs.filter((sub) => granted.has(sub.topic)) : [];
      if (kept.length > 0) await add(client, kept);
    };
    aedes.on('unsubscribe', (topics, client) => {
      const granted = this.sessions.get(client)?.topics;
      for (const topic of topics) granted?.delete(topic);
    });
  }

  close(): void {
    this.refusedLogins.close();
    this.refusedPublishes.close();
  }

  private async authenticate(client: Client, username: string | undefined, password: string | undefined): Promise<boolean> {
    if (!this.policy) {
      this.sessions.set(client, { identity: null, topics: new Set() });
      return true;
    }
    const identity = await this.policy.authenticate({ clientId: client.id, username, password }).catch(() => null);
    if (!identity) {
      logger.debug({ client: client.id }, 'mqtt connection refused: not authorized');
      this.refusedLogins.count(client.id);
      return false;
    }
    this.sessions.set(client, { identity, topics: new Set() });
    return true;
  }

  private maySubscribe(client: Client, sub: Subscription): boolean {
    const session = this.sessions.get(client);
    if (!session || sub.topic.startsWith('$')) return false;
    if (session.topics.has(sub.topic)) return true;
    // Secure mode offers QoS 0 and 1: Dino publishes at QoS 1, and QoS 2 would only cost the broker more state.
    if (session.identity && (sub.qos > 1 || !this.policy!.maySubscribe(session.identity, sub.topic))) return false;
    if (session.topics.size >= this.maxSubscriptions) {
      logger.debug({ client: client.id, limit: this.maxSubscriptions }, 'mqtt subscription refused: too many');
      return false;
    }
    session.topics.add(sub.topic);
    return true;
  }

  /** An error closes the client's connection (MQTT 3.1.1 has no way to refuse one PUBLISH) and nothing is delivered. */
  private publishRefusal(client: Client | null, packet: PublishPacket): Error | null {
    const identity = client ? this.sessions.get(client)?.identity : undefined;
    let reason: string | null = null;
    if (packet.retain) reason = 'retained messages are not accepted';
    else if (packet.topic.startsWith('$')) reason = '$ topics are reserved';
    else if (this.policy && !(identity && this.policy.mayPublish(identity, packet.topic, packet.retain))) reason = 'not allowed to publish';
    if (reason === null) return null;
    logger.debug({ client: client?.id, topic: packet.topic }, `mqtt publish refused: ${reason}`);
    this.refusedPublishes.count(client?.id ?? '(will)');
    return new Error(`publish refused: ${reason}`);
  }

  /** Whatever reaches a client, live or from its queue, is from a topic it may read. */
  private forwardable(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
    if (!this.policy) return packet;
    const identity = this.sessions.get(client)?.identity;
    return identity && this.policy.maySubscribe(identity, packet.topic) ? packet : null;
  }
}

function refusal(): AuthenticateError {
  return Object.assign(new Error('not authorized'), { returnCode: NOT_AUTHORIZED }) as AuthenticateError;
}
