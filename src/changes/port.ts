/**
 * Tells every Dino process that a group's status, owner or members changed, so each drops what it cached of it.
 * Every adapter passes test/contract/group-changes.contract.ts.
 */
export interface GroupChanges {
  readonly kind: string;
  /** Resolves once every process (this one included) has been told. */
  announce(groupId: string): Promise<void>;
  /** `changed(null)` means "anything may have changed" (news may have been missed): drop everything. */
  subscribe(changed: (groupId: string | null) => void): void;
  close(): Promise<void>;
}
