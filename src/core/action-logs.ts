import { mapLimit } from './batches.js';
import { GROUP_OPEN, type Message } from './model.js';
import type { Messages } from './messages.js';
import type { Groups } from './groups.js';

/** What an action log says and who did it (the original's ActionLogQuery, the fields Dino uses). */
export interface ActionLogInput {
  payload: string;
  /** The actor; the path's user when absent (where the path names one). */
  userId?: number;
}

/** Groups are written to at most this many at a time by one all-groups action log. */
const FAN_OUT = 16;

/**
 * Action logs: messages of type `action_log` written by the caller about a change (a join, a rename, a nickname),
 * announced as `action_log` events. Each is one message in one group, like any send: nothing per member.
 */
export class ActionLogs {
  constructor(private readonly messages: Messages, private readonly groups: Groups) {}

  /** One action log in one group by `actorId`, who must be a member (600 otherwise, as for any send). */
  write(groupId: string, actorId: number, payload: string): Promise<Message> {
    return this.messages.sendToGroup(groupId, actorId, { messagePayload: payload, messageType: 'action_log', actionLog: true });
  }

  /**
   * One action log in every open group the user is a member of (kicked-from and closed groups skipped): the
   * original's nickname change. One message per group, groups written FAN_OUT at a time; the logs written.
   */
  async inAllGroups(userId: number, payload: string): Promise<Message[]> {
    const groups = (await this.groups.conversationsOf(userId))
      .filter(({ group, member }) => !member.state.kicked && group.status === GROUP_OPEN);
    return mapLimit(groups, FAN_OUT, ({ group }) => this.write(group.groupId, userId, payload));
  }
}
