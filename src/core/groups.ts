import { groupEvent, joinEvent, leaveEvent } from './events.js';
import type { GroupCache, GroupSnapshot } from './group-cache.js';
import { noSuchGroup } from './errors.js';
import { newGroupId } from './ids.js';
import { GROUP_OPEN, GROUP_TYPE_PRIVATE, type Group, type Member } from './model.js';
import { broadcast, type Ports } from './ports.js';
import { nowMicros } from './time.js';
import { groupView, memberView } from './views.js';

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

/** Creating, changing and joining groups; every change is announced to the members. */
export class Groups {
  constructor(private readonly ports: Ports, private readonly cache: GroupCache) {}

  async create(creatorId: number, input: CreateGroupInput) {
    const now = nowMicros();
    const group = newGroup({ groupId: newGroupId(), name: input.groupName, groupType: input.groupType ?? GROUP_TYPE_PRIVATE,
      ownerId: creatorId, description: input.description ?? null, meta: input.meta ?? null }, now);
    const members = uniqueMembers([creatorId, ...input.users], now);
    await this.ports.storage.createGroup(group, members);
    await this.announceGroup(group, members);
    return groupView(group, members);
  }

  /** The row is read fresh (its last-message fields change with every send); the members may come from the cache. */
  async get(groupId: string) {
    const [group, snapshot] = await Promise.all([this.ports.storage.getGroup(groupId), this.snapshot(groupId)]);
    if (!group || !snapshot) throw noSuchGroup(groupId);
    return groupView(group, snapshot.members);
  }

  /** The group and its members, from the cache unless `fresh`; 601 if there is no such group. */
  async snapshot(groupId: string, fresh = false): Promise<GroupSnapshot> {
    if (fresh) this.cache.invalidate(groupId);
    const snapshot = await this.lookup(groupId);
    if (!snapshot) throw noSuchGroup(groupId);
    return snapshot;
  }

  lookup(groupId: string): Promise<GroupSnapshot | null> {
    return this.cache.get(groupId, async () => {
      const [group, members] = await Promise.all([this.ports.storage.getGroup(groupId), this.ports.storage.getMembers(groupId)]);
      return group ? { group, members } : null;
    });
  }

  async update(groupId: string, input: UpdateGroupInput) {
    await this.snapshot(groupId);
    const group = await this.ports.storage.updateGroup(groupId, {
      name: input.groupName, description: input.description, ownerId: input.owner, status: input.status,
      updatedAt: nowMicros(),
    });
    if (!group) throw noSuchGroup(groupId);
    await this.ports.changes.announce(groupId);
    const members = await this.ports.storage.getMembers(groupId);
    await this.announceGroup(group, members);
    return groupView(group, members);
  }

  async join(groupId: string, users: number[]) {
    await this.snapshot(groupId);
    const now = nowMicros();
    const joiners = uniqueMembers(users, now);
    await this.ports.storage.addMembers(groupId, joiners, now);
    await this.ports.changes.announce(groupId);
    const members = await this.ports.storage.getMembers(groupId);
    await broadcast(this.ports, joinEvent(groupId, joiners.map((m) => m.userId), now), members.map((m) => m.userId));
    return this.get(groupId);
  }

  /** Leaving twice is not an error (a caller may retry); only an actual leave is announced. */
  async leave(groupId: string, userId: number) {
    await this.snapshot(groupId);
    const now = nowMicros();
    if (await this.ports.storage.removeMember(groupId, userId, now)) {
      await this.ports.changes.announce(groupId);
      const remaining = await this.ports.storage.getMembers(groupId);
      await broadcast(this.ports, leaveEvent(groupId, userId, now), [...remaining.map((m) => m.userId), userId]);
    }
    return this.get(groupId);
  }

  async users(groupId: string) {
    const { group, members } = await this.snapshot(groupId);
    return { group_id: groupId, owner_id: group.ownerId, user_count: members.length, users: members.map(memberView) };
  }

  /** Sends the `group` event to the members. */
  announceGroup(group: Group, members: Member[]): Promise<void> {
    const userIds = members.map((m) => m.userId);
    return broadcast(this.ports, groupEvent(group, userIds), userIds);
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
