import type { Micros } from './time.js';

/** Group status as the original: 0 open; below zero (frozen −1, archived −2, deleted −3) blocks sending. */
export const GROUP_OPEN = 0;
export const GROUP_TYPE_PRIVATE = 0;
export const GROUP_TYPE_ONE_TO_ONE = 1;

export interface Group {
  groupId: string;
  name: string;
  description: string | null;
  status: number;
  groupType: number;
  ownerId: number | null;
  meta: number | null;
  createdAt: Micros;
  updatedAt: Micros;
  lastMessageTime: Micros;
  lastMessageId: string | null;
  lastMessageUserId: number | null;
  lastMessageType: string | null;
  lastMessageOverview: string | null;
}

export type GroupPatch = Partial<Pick<Group, 'name' | 'description' | 'ownerId' | 'status'>> & { updatedAt: Micros };

export interface Member {
  userId: number;
  joinTime: Micros;
}

/** One user's own state in one group. */
export interface Membership {
  groupId: string;
  userId: number;
  joinTime: Micros;
  lastReadTime: Micros;
  lastSentTime: Micros | null;
  deleteBefore: Micros;
}

export interface Message {
  groupId: string;
  messageId: string;
  senderId: number;
  payload: string;
  messageType: string;
  createdAt: Micros;
}

/**
 * A processed attachment: the placeholder message (its id, sender, type, time) with the payload and file id the
 * caller's processing gave it (`POST …/message/{mid}/attachment`), and when that happened.
 */
export interface Attachment extends Message {
  fileId: string;
  updatedAt: Micros;
}

export interface HistoryQuery {
  /** Exclusive upper bound; newest first. */
  until?: Micros;
  /** Inclusive lower bound. */
  since?: Micros;
  /** Messages at or before this time are hidden from the reader (its own soft delete or join time). */
  floor: Micros;
  limit: number;
}

export interface UserGroup {
  group: Group;
  membership: Membership;
}
