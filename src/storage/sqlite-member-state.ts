import type Database from 'better-sqlite3';
import type { MemberRecord, MemberStatePatch } from '../core/member-state.js';
import type { Micros } from '../core/time.js';

interface MemberRow {
  group_id: string; user_id: number; join_time: number; last_read_time: number; last_sent_time: number | null;
  delete_before: number; highlight_time: number; hidden_at: number | null; deleted: number; bookmark: number;
  pin: number; rating: number | null; notifications: number; kicked: number; last_updated_time: number | null;
}

/** Patch field → column; booleans are stored as 0/1 (STRICT tables have no boolean type). */
const COLUMNS = {
  lastReadTime: 'last_read_time', deleteBefore: 'delete_before', highlightTime: 'highlight_time', hiddenAt: 'hidden_at',
  deleted: 'deleted', bookmark: 'bookmark', pin: 'pin', rating: 'rating', notifications: 'notifications', kicked: 'kicked',
  lastUpdatedTime: 'last_updated_time',
} as const satisfies Record<keyof MemberStatePatch, string>;

export const toMemberRecord = (r: MemberRow): MemberRecord => ({
  groupId: r.group_id, userId: r.user_id, joinTime: r.join_time, lastReadTime: r.last_read_time,
  lastSentTime: r.last_sent_time, deleteBefore: r.delete_before,
  state: {
    highlightTime: r.highlight_time, hiddenAt: r.hidden_at, deleted: r.deleted === 1, bookmark: r.bookmark === 1,
    pin: r.pin === 1, rating: r.rating, notifications: r.notifications === 1, kicked: r.kicked === 1,
    lastUpdatedTime: r.last_updated_time ?? r.join_time,
  },
});

const bind = (v: unknown) => (typeof v === 'boolean' ? Number(v) : v ?? null);

/** Members' own state in the embedded storage: columns of the memberships table (a kicked row has kicked = 1). */
export class SqliteMemberState {
  private readonly q;

  constructor(private readonly db: Database.Database) {
    // Every column is set only when its flag is: one prepared statement serves every patch.
    const sets = Object.values(COLUMNS).map((c) => `${c} = CASE WHEN @set_${c} THEN @${c} ELSE ${c} END`).join(', ');
    this.q = {
      get: db.prepare<[string, number], MemberRow>('SELECT * FROM memberships WHERE group_id = ? AND user_id = ?'),
      ofUser: db.prepare<[number], MemberRow>('SELECT * FROM memberships WHERE user_id = ?'),
      update: db.prepare(`UPDATE memberships SET ${sets} WHERE group_id = @group_id AND user_id = @user_id`),
      letBackIn: db.prepare(`UPDATE memberships SET kicked = 0, last_read_time = max(last_read_time, @at),
        last_updated_time = @at WHERE group_id = @group_id AND user_id = @user_id AND kicked = 1`),
    };
  }

  get(groupId: string, userId: number): MemberRecord | null {
    const row = this.q.get.get(groupId, userId);
    return row ? toMemberRecord(row) : null;
  }

  ofUser(userId: number): MemberRecord[] {
    return this.q.ofUser.all(userId).map(toMemberRecord);
  }

  update(groupId: string, userId: number, patch: MemberStatePatch): MemberRecord | null {
    const params: Record<string, unknown> = { group_id: groupId, user_id: userId };
    for (const [field, column] of Object.entries(COLUMNS)) {
      const given = Object.hasOwn(patch, field) && patch[field as keyof MemberStatePatch] !== undefined;
      params[`set_${column}`] = given ? 1 : 0;
      params[column] = given ? bind(patch[field as keyof MemberStatePatch]) : null;
    }
    return this.db.transaction(() => (this.q.update.run(params).changes === 0 ? null : this.get(groupId, userId)))();
  }

  /** A kicked member who joins again is a member again, reading from now. */
  letBackIn(groupId: string, userId: number, at: Micros): void {
    this.q.letBackIn.run({ group_id: groupId, user_id: userId, at });
  }
}
