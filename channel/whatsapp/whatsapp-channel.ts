// The WhatsApp channel of a running BabyBot: holds the one Baileys socket, moves it through
// its connection states, turns inbound messages into the common inbound path, and is the
// OutboundChannel the delivery activity sends WhatsApp replies through.
import { ApplicationFailure } from '@temporalio/common';
import { isWhatsAppGroup } from '../../contracts/chat-ids.js';
import { ensureWhatsAppMainChat } from '../../lib/group-registration.js';
import type { Logger } from '../../lib/logger.js';
import type { Store } from '../../lib/store/store.js';
import type { IncomingMessage } from '../inbound.js';
import type { OutboundChannel, OutboundFile } from '../outbound.js';
import { isLinked, sqliteAuthState } from './auth-state.js';
import { jidNormalizedUser, type BaileysEventMap, type BinaryNode, type WAMessage } from './baileys.js';
import { Backoff, classifyDisconnect, type BackoffOptions, type ConnectionStatus } from './connection-state.js';
import { ingestMedia, type IngestDeps, type MediaDescription } from '../media/ingest.js';
import { unsavedText } from '../media/media-text.js';
import type { MediaDownloader } from './media-download.js';
import { normaliseMessage, type NormaliseContext } from './normalise.js';
import { parsePartMessageId, partMessageId, splitForWhatsApp } from './split.js';
import { endSocket, type SocketFactory, type WhatsAppSocket } from './socket.js';

/** Said at start and when WhatsApp shows a QR code: the stored credentials are not (any more) linked. */
const NOT_LINKED = 'WhatsApp is not linked. Run `babybot whatsapp link`, then restart BabyBot.';

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): NodeJS.Timeout;
  clearTimeout(handle: NodeJS.Timeout | undefined): void;
}

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

export interface WhatsAppChannelDeps {
  store: Store;
  log: Logger;
  socketFactory: SocketFactory;
  /** The main chat's jid; the owner's chat with themselves when unset. */
  mainChat?: string;
  webSocketUrl?: string;
  backoff?: BackoffOptions;
  clock?: Clock;
  /** A connection open this long counts as healthy again: the next drop starts the backoff afresh. */
  stableAfterMs?: number;
  /** Where media of registered groups is saved, its cap, and how it is downloaded (tests feed bytes). */
  media?: Omit<IngestDeps, 'log'> & { download: MediaDownloader };
}

export type Receive = (message: IncomingMessage) => Promise<unknown>;

/** States in which nothing can be sent until a person acts: deliveries fail at once instead of waiting. */
const NEEDS_A_PERSON: ReadonlySet<ConnectionStatus> = new Set(['not-linked', 'logged-out', 'replaced', 'bad-session', 'forbidden']);

/** How long a written part may wait for WhatsApp's server to acknowledge it before the attempt gives up. */
const ACK_TIMEOUT_MS = 20_000;

/**
 * WhatsApp shows "typing…" for some seconds after one composing presence, while a turn on a
 * CPU runs for a minute or more: the presence is sent again this often until the reply.
 */
const TYPING_REFRESH_MS = 8_000;
/** A turn that ends without a reply never clears it: typing stops by itself after this long. */
const TYPING_MAX_MS = 15 * 60_000;

/** Message statuses from SERVER_ACK on (proto.WebMessageInfo.Status): the server has the message. */
const SERVER_ACK = 2;

interface AckWaiter {
  resolve(): void;
  reject(error: Error): void;
}

export interface WhatsAppHealth {
  status: ConnectionStatus;
  ok: boolean;
  detail: string;
}

/** WhatsApp's chat ids: people, groups, and the linked-identity form of people. */
export const isWhatsAppJid = (chat: string) => /@(s\.whatsapp\.net|g\.us|lid)$/.test(chat);

export class WhatsAppChannel implements OutboundChannel {
  readonly name = 'whatsapp';
  private status: ConnectionStatus = 'connecting';
  private statusDetail = 'not started';
  private socket?: WhatsAppSocket;
  private detach?: () => void;
  private receive?: Receive;
  private reconnectTimer?: NodeJS.Timeout;
  private openedAt?: number;
  private restartedAtOnce = false;
  private stopped = false;
  /** Parts written and waiting for the server's acknowledgement, by message id. */
  private readonly acks = new Map<string, AckWaiter>();
  /**
   * Each chat's messages are handled one after another, so they are stored in arrival order;
   * chats do not wait for each other, so a media download (up to MEDIA_DOWNLOAD_TIMEOUT) holds
   * back only its own chat. Entries leave once their chat's queue is empty.
   */
  private readonly chatQueues = new Map<string, Promise<void>>();
  private readonly backoff: Backoff;
  private readonly clock: Clock;
  /** Chats showing "typing…": the timer that sends the presence again. */
  private readonly typing = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: WhatsAppChannelDeps) {
    this.backoff = new Backoff(deps.backoff);
    this.clock = deps.clock ?? systemClock;
  }

  owns(chat: string): boolean {
    return isWhatsAppJid(chat);
  }

  /** Starts connecting in the background; failures never reach the caller, they reconnect. */
  start(receive: Receive): void {
    this.receive = receive;
    if (!isLinked(this.deps.store)) {
      this.setStatus('not-linked', NOT_LINKED);
      this.deps.log.warn(`WhatsApp: ${this.statusDetail}`);
      return;
    }
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.setStatus('stopped', 'BabyBot is stopping');
    this.clock.clearTimeout(this.reconnectTimer);
    for (const timer of this.typing.values()) this.clock.clearTimeout(timer);
    this.typing.clear();
    this.closeSocket();
  }

  health(): WhatsAppHealth {
    return { status: this.status, ok: this.status === 'open', detail: `${this.status}: ${this.statusDetail}` };
  }

  /**
   * Sends each part and waits for WhatsApp's server to acknowledge it: Baileys' sendMessage
   * resolves once the frame is written, so a drop right after would lose a part marked sent.
   * A part is marked sent only on the server's ack (or a later receipt). A part left
   * 'sending' (the connection dropped, or BabyBot died, between the write and the ack) is
   * checked on the retry: acknowledged meanwhile, it is skipped; else it is sent again under
   * the same message id, which WhatsApp keeps once, so the chat shows it once.
   */
  async send(chat: string, text: string, messageId: string): Promise<void> {
    const parts = splitForWhatsApp(text);
    for (const [index, part] of parts.entries()) {
      const partId = partMessageId(messageId, index);
      // Each part has its own log entry, so a retry after a drop mid-reply sends only what is missing.
      const key = partKey(partId);
      if (this.deps.store.delivery(key)?.status === 'sent') continue;
      const socket = this.connectedSocket();
      this.deps.store.recordDelivery(key, chat, partId, 'sending');
      // Waiting before writing, so an ack faster than the write's own promise is not missed.
      const acked = this.ackOf(partId);
      try {
        await socket.sendMessage(chat, { text: part }, { messageId: partId });
        await acked;
      } catch (error) {
        this.acks.delete(partId);
        throw ApplicationFailure.retryable(
          `Sending to ${chat} on WhatsApp failed (${(error as Error).message}); it is retried until WhatsApp takes it.`,
          'WhatsAppSendFailed',
        );
      }
    }
    await this.setTyping(chat, false);
  }

  /** A file from send_file: a photo, audio, video or document by its MIME type, one message, acknowledged. */
  async sendFile(chat: string, file: OutboundFile, messageId: string): Promise<void> {
    const socket = this.connectedSocket();
    const caption = file.caption ? { caption: file.caption } : {};
    const content = /^image\/(jpeg|png|webp)$/.test(file.mime)
      ? { image: file.data, mimetype: file.mime, ...caption }
      : file.mime.startsWith('audio/')
        ? { audio: file.data, mimetype: file.mime }
        : file.mime.startsWith('video/')
          ? { video: file.data, mimetype: file.mime, ...caption }
          : { document: file.data, mimetype: file.mime, fileName: file.fileName, ...caption };
    const acked = this.ackOf(messageId);
    try {
      await socket.sendMessage(chat, content, { messageId });
      await acked;
    } catch (error) {
      this.acks.delete(messageId);
      throw ApplicationFailure.retryable(
        `Sending ${file.fileName} to ${chat} on WhatsApp failed (${(error as Error).message}); it is retried until WhatsApp takes it.`,
        'WhatsAppSendFailed',
      );
    }
  }

  /** Resolves when the server acknowledges the message; rejects on a close or after ACK_TIMEOUT_MS. */
  private ackOf(partId: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.acks.delete(partId);
        reject(new Error(`WhatsApp did not acknowledge message ${partId} within ${ACK_TIMEOUT_MS / 1000}s`));
      }, ACK_TIMEOUT_MS);
      this.acks.set(partId, {
        resolve: () => (this.clock.clearTimeout(timer), resolve()),
        reject: (error) => (this.clock.clearTimeout(timer), reject(error)),
      });
    });
  }

  /** The server has one of BabyBot's parts: log it sent (even when no attempt waits any more) and wake the waiter. */
  private onAck(id: string | null | undefined): void {
    if (!id) return;
    const logged = this.deps.store.delivery(partKey(id));
    if (logged?.status === 'sending') this.deps.store.recordDelivery(partKey(id), logged.chat, id, 'sent');
    const waiter = this.acks.get(id);
    this.acks.delete(id);
    waiter?.resolve();
  }

  /**
   * "typing…" from the turn's start until its reply (send clears it), sent again every few
   * seconds so WhatsApp keeps showing it. Best effort: a typing indicator that cannot be
   * shown is no reason to fail a turn, and one that cannot be sent now (disconnected) is
   * sent again at the next refresh.
   */
  async setTyping(chat: string, typing: boolean): Promise<void> {
    this.clock.clearTimeout(this.typing.get(chat));
    this.typing.delete(chat);
    if (typing && !this.stopped) this.keepTyping(chat, this.clock.now() + TYPING_MAX_MS);
    await this.sendPresence(chat, typing ? 'composing' : 'paused');
  }

  private keepTyping(chat: string, until: number): void {
    const timer = this.clock.setTimeout(() => {
      if (this.typing.get(chat) !== timer) return;
      if (this.clock.now() >= until) {
        this.typing.delete(chat);
        void this.sendPresence(chat, 'paused');
        return;
      }
      this.keepTyping(chat, until);
      void this.sendPresence(chat, 'composing');
    }, TYPING_REFRESH_MS);
    this.typing.set(chat, timer);
  }

  private async sendPresence(chat: string, type: 'composing' | 'paused'): Promise<void> {
    if (this.status !== 'open' || !this.socket) return;
    await this.socket.sendPresenceUpdate(type, chat).catch((error: unknown) => {
      this.deps.log.debug({ chat, err: (error as Error).message }, 'could not update the typing indicator');
    });
  }

  private connectedSocket(): WhatsAppSocket {
    if (NEEDS_A_PERSON.has(this.status)) {
      // Retrying cannot help until someone acts: the turn ends now with this cause instead of holding its group for a day.
      throw ApplicationFailure.nonRetryable(`WhatsApp cannot deliver (${this.status}): ${this.statusDetail}`, 'WhatsAppUnavailable');
    }
    if (this.status !== 'open' || !this.socket) {
      throw ApplicationFailure.retryable(
        `WhatsApp is not connected (${this.status}: ${this.statusDetail}). The reply waits and is sent after the reconnect.`,
        'WhatsAppDisconnected',
      );
    }
    return this.socket;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.setStatus('connecting', this.backoff.attempts ? `attempt ${this.backoff.attempts + 1}` : 'first attempt');
    const auth = sqliteAuthState(this.deps.store);
    let socket: WhatsAppSocket;
    try {
      socket = await this.deps.socketFactory({
        auth: auth.state,
        log: this.deps.log,
        webSocketUrl: this.deps.webSocketUrl,
        getMessage: async (key) => this.sentText(key.remoteJid, key.id),
      });
    } catch (error) {
      this.onClose(error);
      return;
    }
    if (this.stopped) return endSocket(socket);
    this.socket = socket;
    this.detach = this.attach(socket, auth.saveCreds);
  }

  /** Subscribes to the socket's events; returns the unsubscribe, since a closed socket is dropped. */
  private attach(socket: WhatsAppSocket, saveCreds: () => void): () => void {
    const handlers: { [E in keyof BaileysEventMap]?: (arg: BaileysEventMap[E]) => void } = {
      'creds.update': () => saveCreds(),
      'connection.update': (update) => {
        if (update.qr) {
          // A QR code means the stored credentials are not linked: only `whatsapp link` should show one.
          this.closeSocket();
          this.setStatus('not-linked', NOT_LINKED);
          this.deps.log.warn(this.statusDetail);
        } else if (update.connection === 'open') {
          this.onOpen(socket);
        } else if (update.connection === 'close') {
          this.closeSocket();
          this.onClose(update.lastDisconnect?.error);
        }
      },
      'messages.upsert': ({ messages, type }) => {
        if (type !== 'notify' && type !== 'append') return;
        this.onMessages(socket, messages);
      },
      // A status from SERVER_ACK on, or a group receipt, also says the server has the message.
      'messages.update': (updates) => {
        for (const { key, update } of updates) {
          if (key.fromMe && typeof update.status === 'number' && update.status >= SERVER_ACK) this.onAck(key.id);
        }
      },
      'message-receipt.update': (receipts) => {
        for (const { key } of receipts) if (key.fromMe) this.onAck(key.id);
      },
      'groups.update': (updates) => this.nameChats(updates),
      'groups.upsert': (groups) => this.nameChats(groups),
      'chats.upsert': (chats) => this.nameChats(chats.map((chat) => ({ id: chat.id, subject: chat.name ?? undefined }))),
    };
    const entries = Object.entries(handlers) as [keyof BaileysEventMap, (arg: unknown) => void][];
    for (const [event, handler] of entries) socket.ev.on(event, handler);
    // WhatsApp's server acks every message it takes; Baileys emits no event for a good ack.
    const onServerAck = (node: BinaryNode) => {
      if (node.attrs.error) {
        this.acks.get(node.attrs.id)?.reject(new Error(`WhatsApp refused message ${node.attrs.id} (error ${node.attrs.error})`));
        this.acks.delete(node.attrs.id);
      } else this.onAck(node.attrs.id);
    };
    socket.ws.on('CB:ack,class:message', onServerAck);
    return () => {
      for (const [event, handler] of entries) socket.ev.off(event, handler);
      socket.ws.off('CB:ack,class:message', onServerAck);
    };
  }

  private onOpen(socket: WhatsAppSocket): void {
    this.openedAt = this.clock.now();
    const self = socket.user?.id ? jidNormalizedUser(socket.user.id) : undefined;
    this.setStatus('open', self ? `connected as +${self.split('@')[0]}` : 'connected');
    this.deps.log.info(`WhatsApp: ${this.statusDetail}`);
    const mainChat = this.deps.mainChat ?? self;
    if (mainChat) {
      const { registered, conflict } = ensureWhatsAppMainChat(this.deps.store, mainChat, socket.user?.name ?? 'WhatsApp main');
      if (registered) this.deps.log.info({ chat: mainChat }, 'registered the WhatsApp main chat');
      if (conflict) {
        this.deps.log.warn(
          { chat: mainChat, folder: conflict.folder },
          'the WhatsApp main chat is already registered as an ordinary group; remove that group to make it the main chat',
        );
      }
    }
    void socket
      .groupFetchAllParticipating()
      .then((groups) => this.nameChats(Object.values(groups)))
      .catch((error: unknown) => this.deps.log.warn({ err: (error as Error).message }, 'could not fetch the WhatsApp group names'));
  }

  private onClose(error: unknown): void {
    if (this.stopped || this.status === 'not-linked') return;
    const outcome = classifyDisconnect(error);
    const wasStable = this.openedAt !== undefined && this.clock.now() - this.openedAt >= (this.deps.stableAfterMs ?? 60_000);
    this.openedAt = undefined;
    if (wasStable) {
      this.backoff.reset();
      this.restartedAtOnce = false;
    }
    if (outcome.reconnect === 'stop') {
      if (outcome.clearAuth) this.deps.store.authClear();
      this.setStatus(outcome.status, outcome.message);
      this.deps.log.error(`WhatsApp: ${outcome.message}`);
      return;
    }
    // Restart-required comes once after linking; a second one in a row waits like any drop.
    const atOnce = outcome.reconnect === 'now' && !this.restartedAtOnce;
    if (atOnce) this.restartedAtOnce = true;
    const delay = atOnce ? 0 : this.backoff.next();
    this.setStatus('reconnecting', `${outcome.message} Next attempt in ${(delay / 1000).toFixed(1)}s.`);
    this.deps.log.warn({ delayMs: delay, attempt: this.backoff.attempts }, `WhatsApp: ${outcome.message}`);
    this.reconnectTimer = this.clock.setTimeout(() => void this.connect(), delay);
  }

  private onMessages(socket: WhatsAppSocket, messages: BaileysEventMap['messages.upsert']['messages']): void {
    const ctx = this.normaliseContext(socket);
    for (const raw of messages) {
      const result = normaliseMessage(raw, ctx);
      if (!result.ok) {
        this.deps.log.debug({ id: raw.key.id, skip: result.skip }, 'WhatsApp message skipped');
        continue;
      }
      this.inChatOrder(result.message.chat, async () => {
        const incoming = result.media ? await this.withMedia(socket, raw, result.message, result.media) : result.message;
        await this.receive?.(incoming);
      }).catch((error: unknown) => {
        this.deps.log.error({ err: error, id: result.message.id }, 'could not store a WhatsApp message');
      });
    }
  }

  /** Runs `task` after the chat's earlier messages are handled; other chats go on meanwhile. */
  private inChatOrder(chat: string, task: () => Promise<void>): Promise<void> {
    const previous = this.chatQueues.get(chat) ?? Promise.resolve();
    const next = previous.then(task);
    const settled = next.catch(() => {});
    this.chatQueues.set(chat, settled);
    void settled.then(() => {
      if (this.chatQueues.get(chat) === settled) this.chatQueues.delete(chat);
    });
    return next;
  }

  /**
   * Downloads and saves the media of a registered group's message (the message waits for it,
   * so a chat's messages stay in order); other chats' media is named, never fetched.
   */
  private async withMedia(socket: WhatsAppSocket, raw: WAMessage, message: IncomingMessage, media: MediaDescription): Promise<IncomingMessage> {
    const group = this.deps.store.groupByJid(message.chat);
    const caption = message.text || undefined;
    if (!group || !this.deps.media) return { ...message, text: unsavedText(media, caption) };
    const { download, ...ingest } = this.deps.media;
    const saved = await ingestMedia({ ...ingest, log: this.deps.log }, group.folder, message.id, {
      ...media,
      fetch: (maxBytes) => download(raw, socket, maxBytes),
    }, caption);
    return { ...message, text: saved.text, media: saved.media };
  }

  private normaliseContext(socket: WhatsAppSocket): NormaliseContext {
    const selfJid = socket.user?.id ? jidNormalizedUser(socket.user.id) : '';
    const lid = socket.user?.lid ? jidNormalizedUser(socket.user.lid) : undefined;
    return {
      selfJid,
      selfName: socket.user?.name ?? undefined,
      aliases: lid ? { [lid]: selfJid } : {},
      isOwnSend: (id) => this.deps.store.deliveryByMessageId(id) !== undefined,
    };
  }

  private nameChats(chats: { id?: string | null; subject?: string | null }[]): void {
    for (const chat of chats) {
      if (!chat.id || !chat.subject || !isWhatsAppJid(chat.id)) continue;
      this.deps.store.upsertChat({ jid: chat.id, name: chat.subject, channel: 'whatsapp', isGroup: isWhatsAppGroup(chat.id) });
    }
  }

  /**
   * The text of a part BabyBot itself sent, for Baileys to re-encrypt when a recipient's
   * device asks again (a retry receipt). Anyone in a chat can send such a receipt for any
   * message id, also the id of a stranger's own message stored in that chat: answering
   * with that would make the owner's account re-send the stranger's words as its own. So
   * only a part in the delivery log for this very chat, of a reply BabyBot stored as its
   * own, is answered; anything else is refused (undefined: Baileys sends nothing).
   */
  private async sentText(chat: string | null | undefined, id: string | null | undefined) {
    if (!chat || !id) return undefined;
    const logged = this.deps.store.delivery(partKey(id));
    if (!logged || jidNormalizedUser(logged.chat) !== jidNormalizedUser(chat)) {
      this.deps.log.warn({ chat, id }, 'a retry receipt asked for a message BabyBot did not send; nothing is re-sent');
      return undefined;
    }
    const { messageId, index } = parsePartMessageId(id);
    const stored = this.deps.store.getMessage(logged.chat, messageId);
    if (!stored?.fromAssistant) return undefined;
    const part = splitForWhatsApp(stored.text)[index];
    return part === undefined ? undefined : { conversation: part };
  }

  private closeSocket(): void {
    // Parts written but not acknowledged may never have reached the server: their attempts fail and are retried.
    for (const waiter of this.acks.values()) waiter.reject(new Error('the connection closed before WhatsApp acknowledged the message'));
    this.acks.clear();
    this.detach?.();
    this.detach = undefined;
    if (this.socket) endSocket(this.socket);
    this.socket = undefined;
  }

  private setStatus(status: ConnectionStatus, detail: string): void {
    this.status = status;
    this.statusDetail = detail;
  }
}

/** The delivery log's key of one WhatsApp part. */
const partKey = (partId: string) => `whatsapp-part:${partId}`;
