import type { GroupChanges } from '../core/ports/changes.js';

/** One process: announcing is telling this process's own listeners. */
export class InProcessGroupChanges implements GroupChanges {
  readonly kind = 'in-process';
  private readonly listeners: Array<(groupId: string | null) => void> = [];

  async announce(groupId: string): Promise<void> {
    for (const changed of this.listeners) changed(groupId);
  }

  subscribe(changed: (groupId: string | null) => void): void {
    this.listeners.push(changed);
  }

  async close(): Promise<void> {}
}
