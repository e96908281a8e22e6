import { isUuid } from '../core/ids.js';
import cassandra from 'cassandra-driver';
import { initialState, type MemberRecord, type MemberStatePatch } from '../core/member-state.js';
import type { Micros } from '../core/time.js';
import { num } from './cassandra-helpers.js';
import { mapLimit } from '../core/batches.js';

type Row = cassandra.types.Row;
type Run = (query: string, params: unknown[]) => Promise<cassandra.types.ResultSet>;
type AllRows = (query: string, params: unknown[]) => Promise<Row[]>;

const { unset } = cassandra.types;
/** Group rows read at a time when listing a user's conversations. */
const FAN_OUT = 32;


/** A row without join_time is no member (a state write that landed after a leave); null cells read as defaults. */
export function toMemberRecord(r: Row): MemberRecord | null {
  const joinTime = num(r['join_time']);
  if (joinTime === null) return null;
  const d = initialState(joinTime);
  const flag = (name: string, fallback: boolean) => (r[name] === null || r[name] === undefined ? fallback : Boolean(r[name]));
  return {
    groupId: String(r['group_id']), userId: Number(r['user_id']), joinTime,
    lastReadTime: num(r['last_read_time']) ?? joinTime, lastSentTime: num(r['last_sent_time']),
    deleteBefore: num(r['delete_before']) ?? joinTime - 1,
    state: {
      highlightTime: num(r['highlight_time']) ?? d.highlightTime, hiddenAt: num(r['hidden_at']),
      deleted: flag('deleted', d.deleted), bookmark: flag('bookmark', d.bookmark), pin: flag('pin', d.pin),
      rating: num(r['rating']), notifications: flag('notifications', d.notifications), kicked: flag('kicked', d.kicked),
      lastUpdatedTime: num(r['last_updated_time']) ?? d.lastUpdatedTime,
    },
  };
}

/**
 * Members' own state on Cassandra: columns of groups_by_user (the user's partition), so a user's conversation list
 * reads one partition plus its groups. A kicked member keeps that row and loses its members_by_group row, which is
 * what fan-out and member lists read. Writes carry the change's time as their cell timestamp, like the adapter's
 * other event-time cells.
 */
export class CassandraMemberState {
  private readonly q;

  constructor(ks: string, private readonly run: Run, private readonly allRows: AllRows) {
    this.q = {
      get: `SELECT * FROM ${ks}.groups_by_user WHERE user_id = ? AND group_id = ?`,
      all: `SELECT * FROM ${ks}.groups_by_user WHERE user_id = ?`,
      update: `UPDATE ${ks}.groups_by_user USING TIMESTAMP ? SET last_read_time = ?, delete_before = ?,
        highlight_time = ?, hidden_at = ?, deleted = ?, bookmark = ?, pin = ?, rating = ?, notifications = ?, kicked = ?,
        last_updated_time = ? WHERE user_id = ? AND group_id = ?`,
      addMember: `INSERT INTO ${ks}.members_by_group (group_id, user_id, join_time) VALUES (?, ?, ?) USING TIMESTAMP ?`,
      dropMember: `DELETE FROM ${ks}.members_by_group USING TIMESTAMP ? WHERE group_id = ? AND user_id = ?`,
    };
  }

  async get(groupId: string, userId: number): Promise<MemberRecord | null> {
    if (!isUuid(groupId)) return null;
    const row = (await this.run(this.q.get, [userId, groupId])).first();
    return row ? toMemberRecord(row) : null;
  }

  async ofUser(userId: number): Promise<MemberRecord[]> {
    return (await this.allRows(this.q.all, [userId])).map(toMemberRecord).filter((m): m is MemberRecord => m !== null);
  }

  /** Reads first: an UPDATE alone would create a row for a user who is no member. */
  async update(groupId: string, userId: number, patch: MemberStatePatch): Promise<MemberRecord | null> {
    const before = await this.get(groupId, userId);
    if (!before) return null;
    const ts = Math.max(patch.lastUpdatedTime, before.joinTime + 1);
    const given = <T>(v: T | undefined) => (v === undefined ? unset : v);
    await Promise.all([
      this.run(this.q.update, [ts, given(patch.lastReadTime), given(patch.deleteBefore), given(patch.highlightTime),
        given(patch.hiddenAt), given(patch.deleted), given(patch.bookmark), given(patch.pin), given(patch.rating),
        given(patch.notifications), given(patch.kicked), patch.lastUpdatedTime, userId, groupId]),
      patch.kicked === true && this.run(this.q.dropMember, [ts, groupId, userId]),
      patch.kicked === false && this.run(this.q.addMember, [groupId, userId, before.joinTime, ts]),
    ]);
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const { lastReadTime, deleteBefore, ...state } = defined as MemberStatePatch;
    return { ...before, lastReadTime: lastReadTime ?? before.lastReadTime, deleteBefore: deleteBefore ?? before.deleteBefore,
      state: { ...before.state, ...state } };
  }

  /** Kicked members who join again are members again, reading from now. */
  async letBackIn(groupId: string, userIds: number[], at: Micros): Promise<void> {
    await mapLimit(userIds, FAN_OUT, async (userId) => {
      const member = await this.get(groupId, userId);
      if (!member?.state.kicked) return;
      await this.update(groupId, userId, { kicked: false, lastReadTime: Math.max(member.lastReadTime, at), lastUpdatedTime: at });
    });
  }
}
