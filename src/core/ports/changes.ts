/**
 * Tells every Dino process that a group's status, owner or members changed, so each drops what it cached of it.
 * Every adapter passes test/contract/group-changes.contract.ts.
 */
export interface GroupChanges {
  readonly kind: string;
  /**
   * Tells this process at once and the others as soon as the channel allows; never fails the change it follows. A
   * process that missed an announcement serves the stale entry at most until the cache's time limit (5 s).
   */
  announce(groupId: string): Promise<void>;
  /** `changed(null)` means "anything may have changed" (news may have been missed): drop everything. */
  subscribe(changed: (groupId: string | null) => void): void;
  close(): Promise<void>;
}
