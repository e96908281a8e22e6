import type { Group, Member } from './model.js';

/** What the send path needs of a group: its row and its members. */
export interface GroupSnapshot {
  group: Group;
  members: Member[];
}

/**
 * Recently read groups with their members, so a send does not read both again. Every change to a group's status,
 * owner or members is announced (see GroupChanges) and drops its entry in every process; the time limit bounds
 * staleness should an announcement be missed. The row's last-message fields may lag: the send path does not use them.
 */
export class GroupCache {
  private readonly entries = new Map<string, { snapshot: GroupSnapshot; expiresAt: number }>();
  /** Bumped by every invalidation: a load that overlapped one does not store what it read. */
  private epoch = 0;

  constructor(private readonly ttlMs = 5_000, private readonly maxEntries = 50_000) {}

  async get(groupId: string, load: () => Promise<GroupSnapshot | null>): Promise<GroupSnapshot | null> {
    const entry = this.entries.get(groupId);
    if (entry && entry.expiresAt > Date.now()) return entry.snapshot;
    const epoch = this.epoch;
    const snapshot = await load();
    if (snapshot && epoch === this.epoch) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(groupId, { snapshot, expiresAt: Date.now() + this.ttlMs });
    }
    return snapshot;
  }

  invalidate(groupId: string): void {
    this.epoch++;
    this.entries.delete(groupId);
  }

  clear(): void {
    this.epoch++;
    this.entries.clear();
  }
}
