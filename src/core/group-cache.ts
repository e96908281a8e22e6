import { mapLimit } from './batches.js';
import type { Group, Member, Message } from './model.js';

/** What the send path needs of a group: its row and its members. */
export interface GroupSnapshot {
  group: Group;
  members: Member[];
}

interface Entry<T> {
  value: T;
  expiresAt: number;
}

/** Group rows read at a time when many are missing (a conversation list of hundreds of groups). */
const ROW_READS = 32;

/**
 * Recently read groups: snapshots (row and members) for the send path, and rows alone for conversation lists, which
 * sort hundreds of groups by their last message and show the members of a page only. Every change to a group is
 * announced (see GroupChanges): one of its status, owner or members drops both entries in every process, a new last
 * message from the projector moves theirs (moveLastMessage). The time limit bounds staleness should an announcement
 * be missed.
 */
export class GroupCache {
  private readonly snapshots = new Map<string, Entry<GroupSnapshot>>();
  private readonly rows = new Map<string, Entry<Group>>();
  /**
   * Counts changes. A load stores what it read only if its group did not change (invalidated, or its last message
   * moved) since the load began: `invalidated` holds each group's last change, and `floor` stands for those forgotten
   * to keep it bounded.
   * Per group, so that a busy group's announcements do not stop every other group from being cached.
   */
  private epoch = 0;
  private floor = 0;
  private readonly invalidated = new Map<string, number>();
  /**
   * Reads under way: concurrent sends that miss a snapshot (a changed or expired one) share one read of it, as
   * concurrent lists missing a row do.
   * An invalidation forgets the read under way, so what starts after it reads afresh.
   */
  private readonly loadingSnapshots = new Map<string, Promise<GroupSnapshot | null>>();
  private readonly loadingRows = new Map<string, Promise<Group | null>>();

  /**
   * `rowTtlMs` is longer than `ttlMs`: a list reads hundreds of rows, and announcements keep them current (a change
   * feed that lost its connection says so, which clears everything); the limit is only for one that went missing.
   */
  constructor(private readonly ttlMs = 5_000, private readonly maxEntries = 50_000, private readonly rowTtlMs = 30_000) {}

  /** The group's snapshot if one is cached and fresh: what get() answers without reading. */
  peek(groupId: string): GroupSnapshot | undefined {
    return this.fresh(this.snapshots, groupId);
  }

  async get(groupId: string, load: () => Promise<GroupSnapshot | null>): Promise<GroupSnapshot | null> {
    const cached = this.fresh(this.snapshots, groupId);
    if (cached) return cached;
    const began = this.epoch;
    const snapshot = await shared(this.loadingSnapshots, groupId, load);
    if (snapshot) this.keep(this.snapshots, groupId, snapshot, began, this.ttlMs);
    return snapshot;
  }

  /** The rows of these groups (those that exist), from a snapshot or a row entry where fresh, else from `load`. */
  async getRows(groupIds: readonly string[], load: (groupId: string) => Promise<Group | null>): Promise<Map<string, Group>> {
    const found = new Map<string, Group>();
    const missing: string[] = [];
    for (const id of groupIds) {
      const group = this.fresh(this.snapshots, id)?.group ?? this.fresh(this.rows, id);
      if (group) found.set(id, group);
      else missing.push(id);
    }
    const began = this.epoch;
    const loaded = await mapLimit(missing, ROW_READS, (id) => shared(this.loadingRows, id, () => load(id)));
    missing.forEach((id, i) => {
      const group = loaded[i];
      if (!group) return;
      found.set(id, group);
      this.keep(this.rows, id, group, began, this.rowTtlMs);
    });
    return found;
  }

  /**
   * The projector stored `m` as the group's last message, storage keeping the newest: cached entries take its fields
   * by the same rule instead of being dropped, so a busy group's sends and reads go on from memory rather than reading
   * the group again after each of its projections. A read begun before it may have read the row before the write:
   * it is not kept (as after any change), and one still under way is forgotten, so that later callers read afresh.
   * Dropped as after any change when the rule cannot tell which message storage kept.
   */
  moveLastMessage(groupId: string, m: Message): void {
    if (this.loadingSnapshots.has(groupId) || this.loadingRows.has(groupId)) return this.invalidate(groupId);
    const snapshot = this.snapshots.get(groupId);
    const row = this.rows.get(groupId);
    const snapshotGroup = snapshot && withLastMessage(snapshot.value.group, m);
    const rowGroup = row && withLastMessage(row.value, m);
    if (snapshotGroup === null || rowGroup === null) return this.invalidate(groupId);
    this.fence(groupId);
    if (snapshot && snapshotGroup !== snapshot.value.group) snapshot.value = { ...snapshot.value, group: snapshotGroup! };
    if (row && rowGroup) row.value = rowGroup;
  }

  invalidate(groupId: string): void {
    this.snapshots.delete(groupId);
    this.rows.delete(groupId);
    this.loadingSnapshots.delete(groupId);
    this.loadingRows.delete(groupId);
    this.fence(groupId);
  }

  /** What was read of `groupId` before now is not kept (see keep). */
  private fence(groupId: string): void {
    this.epoch++;
    if (this.invalidated.size >= this.maxEntries) {
      this.invalidated.clear();
      this.floor = this.epoch;
    }
    this.invalidated.set(groupId, this.epoch);
  }

  clear(): void {
    this.epoch++;
    this.floor = this.epoch;
    this.invalidated.clear();
    this.snapshots.clear();
    this.rows.clear();
    this.loadingSnapshots.clear();
    this.loadingRows.clear();
  }

  private fresh<T>(entries: Map<string, Entry<T>>, groupId: string): T | undefined {
    const entry = entries.get(groupId);
    return entry && entry.expiresAt > Date.now() ? entry.value : undefined;
  }

  private keep<T>(entries: Map<string, Entry<T>>, groupId: string, value: T, began: number, ttlMs: number): void {
    if (began < this.floor || (this.invalidated.get(groupId) ?? 0) > began) return;
    if (entries.size >= this.maxEntries && !entries.has(groupId)) entries.delete(entries.keys().next().value!);
    entries.set(groupId, { value, expiresAt: Date.now() + ttlMs });
  }
}

/**
 * The group as storage has it once `m` was applied as its last message (Storage.applyActivity): unchanged if its last
 * message is newer or `m` itself, `m`'s fields (and updated_at moved forward to it) if `m` is newer, null if another
 * message of the same time (or one microsecond older) is: which one storage kept then depends on the adapter.
 */
export function withLastMessage(group: Group, m: Message): Group | null {
  if (m.createdAt < group.lastMessageTime || (m.createdAt === group.lastMessageTime && m.messageId === group.lastMessageId)) return group;
  // Cassandra writes a revised last message one microsecond above its time: a message then may tie with it there.
  if (m.createdAt <= group.lastMessageTime + 1) return null;
  return { ...group, lastMessageTime: m.createdAt, lastMessageId: m.messageId, lastMessageUserId: m.senderId,
    lastMessageType: m.messageType, lastMessageOverview: m.payload, updatedAt: Math.max(group.updatedAt, m.createdAt) };
}

/** The read of `groupId` under way in `loading`, or a new one by `load`, kept there until it settles. */
function shared<T>(loading: Map<string, Promise<T>>, groupId: string, load: () => Promise<T>): Promise<T> {
  let read = loading.get(groupId);
  if (!read) {
    read = load().finally(() => {
      if (loading.get(groupId) === read) loading.delete(groupId);
    });
    loading.set(groupId, read);
  }
  return read;
}
