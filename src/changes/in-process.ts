import type { GroupChanged, GroupChanges } from '../core/ports/changes.js';
import type { Message } from '../core/model.js';

/** One process: announcing is telling this process's own listeners. */
export class InProcessGroupChanges implements GroupChanges {
  readonly kind = 'in-process';
  private readonly listeners: GroupChanged[] = [];

  async announce(groupId: string, lastMessage?: Message): Promise<void> {
    for (const changed of this.listeners) changed(groupId, lastMessage);
  }

  subscribe(changed: GroupChanged): void {
    this.listeners.push(changed);
  }

  async close(): Promise<void> {}
}
