import { mapLimit } from './batches.js';
import type { Broadcaster } from './broadcaster.js';
import { attachmentEvent, deleteAttachmentEvent } from './events.js';
import { Errors } from './errors.js';
import type { Groups } from './groups.js';
import type { MemberStates } from './member-states.js';
import type { HistoryInput } from './messages.js';
import type { Attachment } from './model.js';
import type { Ports } from './ports/index.js';
import { nowMicros } from './time.js';

/** Which message types are attachment placeholders, and which of those are left out of listings and counts. */
export interface AttachmentTypes {
  types: readonly string[];
  unlisted: readonly string[];
}

/** The original's image (3), video (9) and audio (10), by name and by number; audio is not listed, as there. */
export const DEFAULT_ATTACHMENT_TYPES: AttachmentTypes = { types: ['image', 'video', 'audio', '3', '9', '10'], unlisted: ['audio', '10'] };

/** What one removal did in one group: announced in one `delete_attachment` event. */
export interface RemovedAttachments {
  groupId: string;
  removed: Attachment[];
}

/** The original's payload status of a deleted attachment. */
export const DELETED_STATUS = -2;
/** Attachments named in one `delete_attachment` event at most, so that it fits in an MQTT packet (~80 bytes each). */
const PER_EVENT = 1000;
const FAN_OUT = 16;

/**
 * Attachments (the original's §5.8): an app sends a placeholder message of an attachment type (a normal send), its
 * backend processes the file and then gives the placeholder its final payload and file id here. The placeholder is
 * the attachment's one message: its history shows it with the new payload; the attachment record beside it lists it
 * and finds it by file id. Removing an attachment keeps the message and marks its JSON payload's `status`.
 */
export class Attachments {
  private readonly types: Set<string>;
  private readonly unlisted: Set<string>;

  constructor(private readonly ports: Ports, private readonly events: Broadcaster, private readonly groups: Groups,
    private readonly memberStates: MemberStates, types: AttachmentTypes) {
    this.types = new Set(types.types);
    this.unlisted = new Set(types.unlisted);
  }

  /**
   * Gives the author's placeholder its payload and file id, stores the attachment record and announces it (the
   * projector then refreshes the group's last message and updated_at from the event, as for a send). The new payload,
   * the record and the event are written as a send's row and event are: in one transaction where the queue shares the
   * storage's commits (SQLite), else one after the other, and a failure to queue the event puts the message and the
   * record back as they were.
   */
  async create(authorId: number, groupId: string, messageId: string, input: { fileId: string; payload: string }): Promise<Attachment> {
    const { members } = await this.groups.snapshot(groupId);
    const storage = this.ports.storage;
    const message = await storage.getMessage(groupId, messageId);
    // Another user's message, or one that is no placeholder, is no placeholder of this author's: 602 alike.
    if (!message || message.senderId !== authorId || !this.types.has(message.messageType)) throw Errors.noSuchMessage(messageId);
    const holder = await storage.getAttachment(groupId, input.fileId);
    if (holder && holder.messageId !== messageId) throw Errors.invalidParameters('file_id', 'names another message\'s attachment in this group');
    const attachment: Attachment = { ...message, payload: input.payload, fileId: input.fileId, updatedAt: nowMicros() };
    const event = this.events.prepare(attachmentEvent(attachment), true);
    let missing = false;
    const write = async () => {
      missing = !(await storage.attachToMessage(attachment, this.listed(attachment)));
      // Removed since it was read (a retention pass): nothing was written, and the event is not queued.
      if (missing) throw Errors.noSuchMessage(messageId);
    };
    try {
      await this.events.sendPreparedAfter(write, event, members.map((m) => m.userId));
    } catch (err) {
      if (!missing) {
        await Promise.all([storage.editMessage(groupId, messageId, message.payload),
          holder ? storage.saveAttachment(holder, this.listed(holder)) : storage.removeAttachment(attachment)]).catch(() => undefined);
      }
      throw err;
    }
    return attachment;
  }

  /** The attachment a file id names: 601 without the group, 603 without the attachment. */
  async byFile(groupId: string, fileId: string): Promise<Attachment> {
    await this.groups.snapshot(groupId);
    const attachment = await this.ports.storage.getAttachment(groupId, fileId);
    if (!attachment) throw Errors.noSuchAttachment(fileId);
    return attachment;
  }

  /** The member's listed attachments after its delete_before, newest first; 601, 600, 606 as for the history. */
  async list(groupId: string, userId: number, input: HistoryInput): Promise<Attachment[]> {
    const { member } = await this.memberStates.conversation(groupId, userId);
    if (member.state.kicked) throw Errors.kicked(groupId, userId);
    return this.ports.storage.listAttachments(groupId, { until: input.until, since: input.since, floor: member.deleteBefore, limit: input.perPage });
  }

  /** Removes the attachment a file id names (601, 603). */
  async removeByFile(groupId: string, fileId: string, status: number): Promise<RemovedAttachments> {
    const attachment = await this.byFile(groupId, fileId);
    return this.removeInGroup(groupId, [attachment], status);
  }

  /** Removes every attachment of the user's messages in one group (601 without it); none is no error. */
  async removeOfUser(groupId: string, userId: number, status: number): Promise<RemovedAttachments> {
    await this.groups.snapshot(groupId);
    return this.removeInGroup(groupId, await this.ports.storage.userAttachments(userId, groupId), status);
  }

  /** Removes every attachment of the user's messages in all its groups: one event per group. */
  async removeOfUserEverywhere(userId: number, status: number): Promise<RemovedAttachments[]> {
    const byGroup = new Map<string, Attachment[]>();
    for (const a of await this.ports.storage.userAttachments(userId)) byGroup.set(a.groupId, [...byGroup.get(a.groupId) ?? [], a]);
    const groups = await mapLimit([...byGroup.keys()], FAN_OUT, async (groupId) => ((await this.groups.lookup(groupId)) ? groupId : null));
    const results: RemovedAttachments[] = [];
    for (const groupId of groups) if (groupId) results.push(await this.removeInGroup(groupId, byGroup.get(groupId)!, status));
    return results;
  }

  /** Listed and counted: not of an unlisted type (audio). */
  private listed(a: Attachment): boolean {
    return !this.unlisted.has(a.messageType);
  }

  /**
   * Announces, then removes (like a message delete, the event goes first: a failure before it changes nothing, one
   * after it leaves records a retry finds again). Each message keeps its row; its JSON payload gets `status`.
   */
  private async removeInGroup(groupId: string, attachments: Attachment[], status: number): Promise<RemovedAttachments> {
    const members = (await this.groups.snapshot(groupId)).members.map((m) => m.userId);
    for (let i = 0; i < attachments.length; i += PER_EVENT) {
      const chunk = attachments.slice(i, i + PER_EVENT);
      await this.events.send(deleteAttachmentEvent(groupId, chunk, nowMicros()), members);
      await mapLimit(chunk, FAN_OUT, async (a) => {
        const message = await this.ports.storage.getMessage(groupId, a.messageId);
        const payload = message && withStatus(message.payload, status);
        if (payload !== null) await this.ports.storage.editMessage(groupId, a.messageId, payload);
        await this.ports.storage.removeAttachment(a);
      });
    }
    return { groupId, removed: attachments };
  }
}

/** The payload with its `status` set when it is a JSON object (the original's processed attachments); else null. */
export function withStatus(payload: string, status: number): string | null {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? JSON.stringify({ ...value, status }) : null;
}
