import type { Message } from '../model.js';

/**
 * What a process hears of a change: `null` means "anything may have changed" (news may have been missed: drop
 * everything); a group id alone, that anything of the group may have (drop it); with `lastMessage`, that the group's
 * last message was stored as that one, storage keeping the newest (take its fields, see GroupCache.moveLastMessage).
 */
export type GroupChanged = (groupId: string | null, lastMessage?: Message) => void;

/**
 * Tells every Dino process that a group's status, owner or members changed, so each drops what it cached of it, or
 * that its last message moved (the projector), so each updates what it cached. Every adapter passes
 * test/contract/group-changes.contract.ts.
 */
export interface GroupChanges {
  readonly kind: string;
  /**
   * Tells this process at once and the others as soon as the channel allows; never fails the change it follows. A
   * process that missed an announcement serves the stale entry at most until the cache's time limits (5 s for a
   * group's snapshot, 30 s for a row read for a list). An adapter may tell the others of a moved last message as a
   * plain change (they then drop the group instead of moving it).
   */
  announce(groupId: string, lastMessage?: Message): Promise<void>;
  subscribe(changed: GroupChanged): void;
  close(): Promise<void>;
}
