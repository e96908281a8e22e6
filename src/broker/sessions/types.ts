import type { Readable } from 'node:stream';

/** What a session store sees of a client: its id, and whether its session outlives the connection. */
export interface SessionClient {
  id: string;
  clean?: boolean;
}

/** A packet as aedes hands it to its persistence (aedes-packet's fields, plus whatever MQTT 5 added). */
export interface SessionPacket {
  cmd?: string;
  brokerId?: string;
  brokerCounter?: number;
  messageId?: number;
  topic?: string;
  payload?: Buffer | Uint8Array | string;
  qos?: number;
  retain?: boolean;
  [field: string]: unknown;
}

/** One topic filter of a client, as in a SUBSCRIBE packet. */
export interface SessionSubscription {
  topic: string;
  qos: number;
  rh?: number;
  rap?: boolean;
  nl?: boolean;
  subscriptionIdentifier?: number;
}

/** A subscription found for a published topic: who gets it. */
export interface SubscriptionMatch {
  clientId: string;
  topic: string;
  qos?: number;
}

/** The broker as the persistence sees it: its id, and (a real aedes) its connected clients and events. */
export interface SessionBroker {
  id: string;
  clients?: Record<string, unknown>;
  on?(event: 'client' | 'clientDisconnect', listener: (client: SessionClient) => void): unknown;
  off?(event: 'client' | 'clientDisconnect', listener: (client: SessionClient) => void): unknown;
}

/** aedes-persistence's in-memory store (the async one aedes 1.x calls), which the SQLite store builds on. */
export interface MemorySessions {
  /** The broker handed to setup(). */
  readonly broker: SessionBroker | undefined;
  setup(broker: SessionBroker): Promise<void>;
  storeRetained(packet: SessionPacket): Promise<void>;
  createRetainedStream(pattern: string): Readable;
  createRetainedStreamCombi(patterns: string[]): Readable;
  addSubscriptions(client: SessionClient, subs: SessionSubscription[]): Promise<void>;
  removeSubscriptions(client: SessionClient, topics: string[]): Promise<void>;
  subscriptionsByClient(client: SessionClient): Promise<SessionSubscription[]>;
  countOffline(): Promise<{ subsCount: number; clientsCount: number }>;
  subscriptionsByTopic(topic: string): Promise<SubscriptionMatch[]>;
  cleanSubscriptions(client: SessionClient): Promise<void>;
  incomingStorePacket(client: SessionClient, packet: SessionPacket): Promise<void>;
  incomingGetPacket(client: SessionClient, packet: SessionPacket): Promise<SessionPacket>;
  incomingDelPacket(client: SessionClient, packet: SessionPacket): Promise<void>;
  cleanIncoming(client: SessionClient): Promise<void>;
  getClientList(topic: string): Readable;
  destroy(): Promise<void>;
}

export type MemorySessionsClass = new (options?: Record<string, unknown>) => MemorySessions;
