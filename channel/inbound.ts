// Every channel's inbound path: store the message once, decide whether it calls the
// assistant, and hand it to the group's workflow. A message is stored before it is handed
// over, and marked when Temporal has it, so a crash in between loses nothing: the next
// start hands over what is still pending.
import type { Logger } from '../lib/logger.js';
import type { Group, Media, NewMessage, Store, StoredMessage } from '../lib/store/store.js';
import { parseCommand, type ParsedCommand } from '../contracts/commands.js';
import type { GroupCommand } from '../contracts/types.js';
import { untranscribedText } from './media/media-text.js';
import { isOwners, ownerIds } from './owner.js';

export interface IncomingMessage extends NewMessage {
  /** Which channel it came through: 'local', 'whatsapp', 'telegram'. */
  channel: string;
  chatName?: string;
  isGroupChat?: boolean;
  /** What the message carried besides text, already saved (or the reason it was not). */
  media?: Media;
  /**
   * The platform itself marks the message as meant for the assistant, beyond the words of the
   * trigger (Telegram: a mention of the bot's @username, a reply to one of the bot's messages).
   */
  addressed?: boolean;
}

/**
 * A saved voice note that calls the assistant is transcribed on its way to the group's
 * workflow (see media-handover.ts). Only those: transcribing costs minutes of CPU, so a
 * group's voice notes that cannot call the assistant (no trigger in a group that needs
 * one) are stored as such, never decoded.
 */
export const awaitsTranscription = (media: Media | undefined) =>
  media?.kind === 'voice' && media.status === 'saved' && media.transcript === undefined;

export const NOT_FOR_THE_ASSISTANT = 'only voice notes that call the assistant are transcribed';

export interface InboundDeps {
  store: Store;
  assistantName: string;
  /** Gives a stored message to its group's workflow (signalWithStart). */
  handOver: (group: Group, message: StoredMessage) => Promise<void>;
  /** Gives a chat command to its group's workflow (an update, answered beside the running turn). */
  command: (group: Group, command: GroupCommand) => Promise<void>;
  log: Logger;
  /** Wait before handing over again after Temporal refused; doubles up to a minute. */
  retryDelayMs?: number;
}

export interface ReceiveResult {
  message: StoredMessage;
  /** False for a duplicate delivery of a message already stored. */
  inserted: boolean;
  /** Whether it called the assistant (and so was handed to a workflow). */
  triggered: boolean;
}

/** `@Baby` anywhere in the text, case-insensitive, as a whole word. */
export function mentions(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}_])@${escaped}(?![\\p{L}\\p{N}_])`, 'iu').test(text);
}

export function callsAssistant(group: Group, text: string, assistantName: string): boolean {
  if (group.isMain || !group.requiresTrigger) return true;
  return mentions(text, group.triggerWord ?? assistantName);
}

/** callsAssistant's rule in words: "every message", "every message (main)" or "when called with @Baby". */
export function whenAnswered(group: Pick<Group, 'isMain' | 'requiresTrigger' | 'triggerWord'>, assistantName: string): string {
  if (group.isMain) return 'every message (main)';
  return group.requiresTrigger ? `when called with @${group.triggerWord ?? assistantName}` : 'every message';
}

/** The command a message is (a text message only: a photo's caption is a message). */
const commandIn = (message: { text: string; media?: Media }) => (message.media ? undefined : parseCommand(message.text));

/** A voice note that does not call the assistant: stored with its length, marked as never to be transcribed. */
function untranscribed(incoming: IncomingMessage): IncomingMessage {
  const media = { ...incoming.media!, transcript: '' };
  return { ...incoming, text: untranscribedText(media, NOT_FOR_THE_ASSISTANT), media };
}

export class Inbound {
  private retryTimer?: NodeJS.Timeout;
  private retryDelay: number;
  private stopped = false;

  constructor(private readonly deps: InboundDeps) {
    this.retryDelay = deps.retryDelayMs ?? 1000;
  }

  async receive(incoming: IncomingMessage): Promise<ReceiveResult> {
    const { store } = this.deps;
    store.upsertChat({
      jid: incoming.chat,
      name: incoming.chatName,
      channel: incoming.channel,
      isGroup: incoming.isGroupChat,
      lastMessageAt: incoming.timestamp,
    });
    const group = store.groupByJid(incoming.chat);
    // A command needs no trigger word: it is for the group, not the model.
    const triggered =
      group !== undefined &&
      !incoming.fromAssistant &&
      (commandIn(incoming) !== undefined || incoming.addressed === true || callsAssistant(group, incoming.text, this.deps.assistantName));
    const kept = !triggered && awaitsTranscription(incoming.media) ? untranscribed(incoming) : incoming;
    const { inserted, message } = store.insertMessage(kept, triggered ? 'pending' : 'none', kept.media);
    // Stopping: a message still arriving is kept pending, handed over at the next start (first, in order).
    if (inserted && triggered && !this.stopped) await this.tryHandOver(group!, message);
    return { message, inserted, triggered: triggered && inserted };
  }

  /** Hands over every message still pending (at start, and after Temporal was unreachable). */
  async handOverPending(): Promise<number> {
    let handed = 0;
    for (const message of this.deps.store.pendingHandoffs()) {
      const group = this.deps.store.groupByJid(message.chat);
      if (!group) {
        this.deps.store.markHandedOff(message.chat, message.id);
        continue;
      }
      if (!(await this.tryHandOver(group, message))) break;
      handed++;
    }
    return handed;
  }

  /** Takes no new work: later messages are stored as pending, not handed over, and no retry runs. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  private async tryHandOver(group: Group, message: StoredMessage): Promise<boolean> {
    try {
      const command = commandIn(message);
      if (command) await this.deps.command(group, this.asGroupCommand(group, message, command));
      else await this.deps.handOver(group, message);
      this.deps.store.markHandedOff(message.chat, message.id);
      this.retryDelay = this.deps.retryDelayMs ?? 1000;
      return true;
    } catch (error) {
      this.deps.log.warn(
        { chat: message.chat, id: message.id, err: (error as Error).message, retryInMs: this.retryDelay },
        'could not hand the message to Temporal; it is stored and will be handed over when Temporal answers',
      );
      this.scheduleRetry();
      return false;
    }
  }

  /** Who asks is read from the store here, when the command arrives: the workflow decides with it. */
  private asGroupCommand(group: Group, message: StoredMessage, command: ParsedCommand): GroupCommand {
    return {
      id: message.id,
      chat: message.chat,
      seq: message.seq,
      sender: message.sender,
      name: command.name,
      args: command.args,
      fromOwner: isOwners(message, ownerIds(this.deps.store)),
      inMain: group.isMain,
    };
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.handOverPending();
    }, this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, 60_000);
  }
}
