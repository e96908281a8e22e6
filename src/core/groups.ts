import { groupEvent, joinEvent, leaveEvent } from './events.js';
import type { GroupCache, GroupSnapshot } from './group-cache.js';
import { Errors } from './errors.js';
import { newGroupId } from './ids.js';
import type { Conversation } from './member-state.js';
import { GROUP_OPEN, GROUP_TYPE_PRIVATE, type Group, type Member } from './model.js';
import type { Broadcaster } from './broadcaster.js';
import type { Ports } from './ports/index.js';
import { nowMicros } from './time.js';

export interface CreateGroupInput {
  groupName: string;
  groupType?: number;
  users: number[];
  description?: string | null;
  meta?: number | null;
}

export interface UpdateGroupInput {
  groupName?: string;
  description?: string | null;
  owner?: number | null;
  status?: number;
}

/**
 * Creating, changing and joining groups; every change is announced to the members. A change is stored first and its
 * event queued after; when the event cannot be queued the change is undone, so a failed call leaves nothing behind
 * and a retry starts afresh.
 */
export class Groups {
  constructor(private readonly ports: Ports, private readonly events: Broadcaster, private readonly cache: GroupCache) {}

  async create(creatorId: number, input: CreateGroupInput): Promise<GroupSnapshot> {
    const now = nowMicros();
    const group = newGroup({ groupId: newGroupId(), name: input.groupName, groupType: input.groupType ?? GROUP_TYPE_PRIVATE,
      ownerId: creatorId, description: input.description ?? null, meta: input.meta ?? null }, now);
    const members = uniqueMembers([creatorId, ...input.users], now);
    await this.createAnnounced(group, members);
    return { group, members };
  }

  /** Stores a new group and sends its `group` event; false, writing nothing, when the id is taken. */
  async createAnnounced(group: Group, members: Member[]): Promise<boolean> {
    if (!(await this.ports.storage.createGroup(group, members))) return false;
    await this.undoUnless(this.announceGroup(group, members), () => this.ports.storage.deleteGroup(group.groupId));
    return true;
  }

  /**
   * From the cache: every change of the row is announced on the change feed, its last-message fields by the projector
   * once it stored them (core/projector.ts), so a cached row is as current as the storage's.
   */
  get(groupId: string): Promise<GroupSnapshot> {
    return this.snapshot(groupId);
  }

  /** The group and its members, from the cache unless `fresh`; 601 if there is no such group. */
  snapshot(groupId: string, fresh = false): Promise<GroupSnapshot> {
    if (fresh) this.cache.invalidate(groupId);
    // A cached snapshot (every send's case, mostly) is answered without the lookup's layers of promises.
    const cached = fresh ? undefined : this.cache.peek(groupId);
    return cached ? Promise.resolve(cached) : this.read(groupId);
  }

  private async read(groupId: string): Promise<GroupSnapshot> {
    const snapshot = await this.lookup(groupId);
    if (!snapshot) throw Errors.noSuchGroup(groupId);
    return snapshot;
  }

  /**
   * The user's conversations, in no particular order: its own rows (one read) joined with the group rows, which come
   * from the cache; a row whose group is gone is left out.
   */
  async conversationsOf(userId: number): Promise<Conversation[]> {
    const members = await this.ports.storage.listMemberRecords(userId);
    const groups = await this.cache.getRows(members.map((m) => m.groupId), (id) => this.ports.storage.getGroup(id));
    return members.flatMap((member) => {
      const group = groups.get(member.groupId);
      return group ? [{ group, member }] : [];
    });
  }

  lookup(groupId: string): Promise<GroupSnapshot | null> {
    return this.cache.get(groupId, async () => {
      const [group, members] = await Promise.all([this.ports.storage.getGroup(groupId), this.ports.storage.getMembers(groupId)]);
      return group ? { group, members } : null;
    });
  }

  async update(groupId: string, input: UpdateGroupInput): Promise<GroupSnapshot> {
    const { group: before } = await this.snapshot(groupId, true);
    const group = await this.ports.storage.updateGroup(groupId, {
      name: input.groupName, description: input.description, ownerId: input.owner, status: input.status,
      updatedAt: nowMicros(),
    });
    if (!group) throw Errors.noSuchGroup(groupId);
    const members = await this.changed(groupId);
    await this.undoUnless(this.announceGroup(group, members), async () => {
      await this.ports.storage.updateGroup(groupId, { name: before.name, description: before.description,
        ownerId: before.ownerId, status: before.status, updatedAt: nowMicros() });
      await this.changed(groupId);
    });
    return { group, members };
  }

  async join(groupId: string, users: number[]): Promise<GroupSnapshot> {
    const { members: before } = await this.snapshot(groupId, true);
    const now = nowMicros();
    const joiners = uniqueMembers(users, now);
    await this.ports.storage.addMembers(groupId, joiners, now);
    const members = await this.changed(groupId);
    const newcomers = joiners.filter((j) => !before.some((m) => m.userId === j.userId));
    const event = joinEvent(groupId, joiners.map((m) => m.userId), now);
    await this.undoUnless(this.events.send(event, members.map((m) => m.userId)), async () => {
      for (const m of newcomers) await this.ports.storage.removeMember(groupId, m.userId, nowMicros());
      await this.changed(groupId);
    });
    return this.get(groupId);
  }

  /**
   * Leaving twice is not an error (a caller may retry); only an actual leave is announced. The `leave` event is
   * queued before the membership is removed (its recipients are the members as they are now), so a failure to
   * queue it writes nothing.
   */
  async leave(groupId: string, userId: number): Promise<GroupSnapshot> {
    const { members } = await this.snapshot(groupId, true);
    if (members.some((m) => m.userId === userId)) {
      const now = nowMicros();
      await this.events.send(leaveEvent(groupId, userId, now), members.map((m) => m.userId));
      if (await this.ports.storage.removeMember(groupId, userId, now)) await this.changed(groupId);
    } else if ((await this.ports.storage.getMemberState(groupId, userId))?.state.kicked) {
      // A kicked user is no member (no event to send) but still has its row: leaving removes that too.
      await this.ports.storage.removeMember(groupId, userId, nowMicros());
    }
    return this.get(groupId);
  }

  /** Sends the `group` event to the members. */
  announceGroup(group: Group, members: Member[]): Promise<void> {
    const userIds = members.map((m) => m.userId);
    return this.events.send(groupEvent(group, userIds), userIds);
  }

  /** Tells every process the group changed, and reads its members afresh. */
  private async changed(groupId: string): Promise<Member[]> {
    await this.ports.changes.announce(groupId);
    return this.ports.storage.getMembers(groupId);
  }

  /** Waits for `step`; if it fails, runs `undo` (best effort) and fails with the step's error. */
  private async undoUnless(step: Promise<void>, undo: () => Promise<unknown>): Promise<void> {
    try {
      await step;
    } catch (err) {
      await undo().catch(() => undefined);
      throw err;
    }
  }
}

export function newGroup(fields: Pick<Group, 'groupId' | 'name' | 'groupType' | 'ownerId' | 'description' | 'meta'>, now: number): Group {
  return {
    ...fields, status: GROUP_OPEN, createdAt: now, updatedAt: now, lastMessageTime: now,
    lastMessageId: null, lastMessageUserId: null, lastMessageType: null, lastMessageOverview: null,
  };
}

export function uniqueMembers(userIds: number[], joinTime: number): Member[] {
  return [...new Set(userIds)].map((userId) => ({ userId, joinTime }));
}
