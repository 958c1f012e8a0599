// The Telegram channel of a running BabyBot: long-polls the Bot API (no public URL needed),
// turns each update into the common inbound path, and is the OutboundChannel the delivery
// activity sends Telegram replies through. What every channel must do (store once, trigger,
// media limits, commands, delivery exactly once) is the shared path's; this file only speaks
// Telegram.
//
// The update offset lives in the store and moves past an update only after the update is
// stored: a crash between receiving and storing makes Telegram send it again (stored once:
// the store keeps one row per chat and message id), and a crash after storing sends it again
// too, found already stored. Nothing is lost, nothing is stored twice.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { InputFile } from 'grammy';
import type { Update } from 'grammy/types';
import { ApplicationFailure } from '@temporalio/common';
import { isTelegramChat, telegramChat } from '../../contracts/chat-ids.js';
import { ensureMainChat, TELEGRAM_MAIN_FOLDER } from '../../lib/group-registration.js';
import type { Logger } from '../../lib/logger.js';
import type { Store } from '../../lib/store/store.js';
import type { IncomingMessage } from '../inbound.js';
import { ingestMedia, type IngestDeps } from '../media/ingest.js';
import { unsavedText } from '../media/media-text.js';
import type { OutboundChannel, OutboundFile } from '../outbound.js';
import { TELEGRAM_OWNER_KEY } from '../owner.js';
// The same cut (paragraph, sentence, word) and the same derived part ids as WhatsApp's replies.
import { partMessageId, splitForWhatsApp as splitReply } from '../whatsapp/split.js';
import { classifyFailure, grammySignal, TOKEN_REFUSED, type BotApi, type BotApiFailure } from './bot-api.js';
import type { TelegramFileDownload } from './file-download.js';
import { takeTelegramLinkCode } from './link.js';
import { normaliseUpdate, type TelegramMedia, type TelegramSelf } from './normalise.js';
import { listenForWebhook, type WebhookListener } from './webhook.js';

/** Telegram's limit of one message's text. */
export const TELEGRAM_TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;
/** The store's key of the next update id to ask for. */
export const OFFSET_KEY = 'telegram:offset';
/** Telegram shows "typing…" for 5 s after one chat action: sent again this often while a turn runs. */
const TYPING_REFRESH_MS = 4_000;
const TYPING_MAX_MS = 15 * 60_000;
/** One send may take this long before the attempt gives up (and is retried). */
const SEND_TIMEOUT_MS = 20_000;

export type TelegramStatus = 'starting' | 'polling' | 'webhook' | 'reconnecting' | 'conflict' | 'unauthorized' | 'stopped';

export interface TelegramChannelDeps {
  store: Store;
  log: Logger;
  api: BotApi;
  redact: (text: string) => string;
  /** TELEGRAM_OWNER_ID; unset: the owner `telegram link` stored, if any. */
  ownerId?: string;
  pollSeconds: number;
  /** Webhook mode (TELEGRAM_WEBHOOK_URL): Telegram posts to `url`, proxied to host:port. Unset: long polling. */
  webhook?: { url: string; host: string; port: number };
  /** Waits after a failed poll: doubling from base to max. */
  backoff?: { baseMs: number; maxMs: number };
  /** Where media of registered groups is saved, its cap, and how it is downloaded. */
  media?: Omit<IngestDeps, 'log'> & { download: TelegramFileDownload };
}

export type Receive = (message: IncomingMessage) => Promise<unknown>;

export class TelegramChannel implements OutboundChannel {
  readonly name = 'telegram';
  private status: TelegramStatus = 'starting';
  private statusDetail = 'not started';
  private self?: TelegramSelf;
  private receive?: Receive;
  private readonly stopping = new AbortController();
  private polling?: Promise<void>;
  private listener?: WebhookListener;
  /** Webhook updates are handled one after another, in arrival order, as polled ones are. */
  private handling: Promise<void> = Promise.resolve();
  /** Telegram asked (429) not to send before this time (ms since the epoch). */
  private notBefore = 0;
  /** Chats showing "typing…": the timer that sends the action again. */
  private readonly typing = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: TelegramChannelDeps) {}

  owns(chat: string): boolean {
    return isTelegramChat(chat);
  }

  /** Starts polling in the background; failures never reach the caller, they are retried (or, for a refused token, reported). */
  start(receive: Receive): void {
    this.receive = receive;
    this.polling = this.run().catch((error: unknown) => {
      this.setStatus('reconnecting', `stopped by an unexpected error: ${this.deps.redact((error as Error).message)}`);
      this.deps.log.error({ err: this.statusDetail }, 'Telegram polling ended');
    });
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    for (const timer of this.typing.values()) clearTimeout(timer);
    this.typing.clear();
    await this.polling;
    await this.listener?.close();
    this.setStatus('stopped', 'BabyBot is stopping');
  }

  health(): { ok: boolean; detail: string } {
    return { ok: this.status === 'polling' || this.status === 'webhook', detail: `${this.status}: ${this.statusDetail}` };
  }

  private async run(): Promise<void> {
    const signal = grammySignal(this.stopping.signal);
    let failures = 0;
    let webhookCleared = false;
    while (!this.stopping.signal.aborted) {
      try {
        if (!this.self) {
          const me = await this.deps.api.getMe(signal);
          this.self = { id: me.id, username: me.username };
          this.onConnected();
        }
        if (this.deps.webhook) {
          await this.serveWebhook(this.deps.webhook, signal);
          return;
        }
        // A webhook left from webhook mode would refuse every poll (409).
        if (!webhookCleared) webhookCleared = await this.deps.api.deleteWebhook({}, signal);
        const updates = await this.deps.api.getUpdates({ offset: this.offset(), timeout: this.deps.pollSeconds, allowed_updates: ['message'] }, signal);
        if (this.status !== 'polling') this.setStatus('polling', `as @${this.self.username}`);
        failures = 0;
        for (const update of updates) await this.handle(update);
      } catch (error) {
        if (this.stopping.signal.aborted) return;
        const failure = this.failureOf(error);
        if (failure.kind === 'unauthorized') return;
        failures++;
        const { baseMs, maxMs } = this.deps.backoff ?? { baseMs: 1000, maxMs: 30_000 };
        const waitMs = failure.kind === 'rate-limited' ? failure.retryAfterS * 1000 : Math.min(baseMs * 2 ** (failures - 1), maxMs);
        if (failure.kind !== 'conflict') this.setStatus('reconnecting', `${failure.text}; next attempt in ${(waitMs / 1000).toFixed(1)}s`);
        this.deps.log.warn({ err: failure.text, waitMs }, 'Telegram: the Bot API call failed; trying again');
        await sleep(waitMs, undefined, { signal: this.stopping.signal }).catch(() => {});
      }
    }
  }

  /**
   * Listens, then tells Telegram where to post and with which secret (a new one at every
   * start), and waits until BabyBot stops. A failure closes the listener, to be tried again.
   */
  private async serveWebhook(webhook: { url: string; host: string; port: number }, signal: ReturnType<typeof grammySignal>): Promise<void> {
    const secret = randomBytes(32).toString('base64url');
    this.listener = await listenForWebhook({ ...webhook, secret, log: this.deps.log, handle: (update) => this.handleInOrder(update) });
    try {
      await this.deps.api.setWebhook(webhook.url, { secret_token: secret, allowed_updates: ['message'], max_connections: 1 }, signal);
    } catch (error) {
      await this.listener.close();
      this.listener = undefined;
      throw error;
    }
    this.setStatus('webhook', `as @${this.self!.username}, updates posted to ${webhook.url}`);
    if (!this.stopping.signal.aborted) await new Promise((resolve) => this.stopping.signal.addEventListener('abort', resolve, { once: true }));
  }

  private handleInOrder(update: Update): Promise<void> {
    const next = this.handling.then(() => this.handle(update));
    this.handling = next.catch(() => {});
    return next;
  }

  private offset(): number | undefined {
    const stored = Number(this.deps.store.channelState(OFFSET_KEY));
    return Number.isSafeInteger(stored) && stored > 0 ? stored : undefined;
  }

  /**
   * Stores one update, then moves the offset past it. Throws when it could not be stored:
   * the offset stays, so the next poll brings the update again.
   */
  private async handle(update: Update): Promise<void> {
    if (!Number.isSafeInteger(update.update_id)) return;
    const offset = this.offset();
    // Telegram never resends confirmed updates; an id below the offset was handled already.
    if (offset !== undefined && update.update_id < offset) return;
    const result = normaliseUpdate(update, this.self!, this.deps.media?.maxBytes ?? 0);
    if (result.ok && this.isLinkCode(update)) {
      await this.linkOwner(update.message!.from!.id, result.message.chat);
    } else if (result.ok) {
      const incoming = result.media ? await this.withMedia(result.message, result.media) : result.message;
      // Stopping cut a download short: the update is not stored, so it comes again at the next start.
      if (this.stopping.signal.aborted) throw new Error('BabyBot is stopping');
      await this.receive?.(incoming);
    } else {
      this.deps.log.debug({ update: update.update_id, skip: result.skip }, 'Telegram update skipped');
    }
    this.deps.store.setChannelState(OFFSET_KEY, String(update.update_id + 1));
  }

  /** Downloads and saves the media of a registered group's message; other chats' media is named, never fetched. */
  private async withMedia(message: IncomingMessage, media: TelegramMedia): Promise<IncomingMessage> {
    const group = this.deps.store.groupByJid(message.chat);
    const caption = message.text || undefined;
    const { fileId, ...description } = media;
    if (!group || !this.deps.media) return { ...message, text: unsavedText(description, caption) };
    const { download, ...ingest } = this.deps.media;
    const saved = await ingestMedia({ ...ingest, log: this.deps.log }, group.folder, message.id, {
      ...description,
      fetch: (maxBytes) => download(fileId, maxBytes, this.stopping.signal),
    }, caption);
    return { ...message, text: saved.text, media: saved.media };
  }

  /** A private message carrying the code `telegram link` shows (TELEGRAM_OWNER_ID, when set, decides instead). */
  private isLinkCode(update: Update): boolean {
    const msg = update.message;
    if (this.deps.ownerId || msg?.chat.type !== 'private' || !msg.from || typeof msg.text !== 'string') return false;
    return takeTelegramLinkCode(this.deps.store, msg.text);
  }

  /** The code's sender is the owner now: their private chat becomes telegram-main; they are told (best effort). */
  private async linkOwner(userId: number, chat: string): Promise<void> {
    this.deps.store.setChannelState(TELEGRAM_OWNER_KEY, String(userId));
    this.deps.log.info({ owner: userId }, 'Telegram: linked the owner');
    this.registerMain();
    await this.deps.api
      .sendMessage(userId, 'Linked: you are the owner, and this chat is your main chat with the assistant.', {}, grammySignal(AbortSignal.timeout(SEND_TIMEOUT_MS)))
      .catch((error: unknown) => this.deps.log.warn({ chat, err: classifyFailure(error, this.deps.redact).text }, 'could not confirm the link'));
  }

  /** The owner's private chat with the bot is a main chat (telegram-main). */
  private onConnected(): void {
    if (this.deps.ownerId) this.deps.store.setChannelState(TELEGRAM_OWNER_KEY, this.deps.ownerId);
    this.deps.log.info(`Telegram: connected as @${this.self!.username}`);
    this.registerMain();
  }

  private registerMain(): void {
    const { store, log } = this.deps;
    const owner = store.channelState(TELEGRAM_OWNER_KEY);
    if (!owner) {
      log.warn('Telegram: no owner yet (TELEGRAM_OWNER_ID, or `babybot telegram link`): there is no Telegram main chat');
      return;
    }
    const { registered, conflict } = ensureMainChat(store, { folder: TELEGRAM_MAIN_FOLDER, jid: telegramChat(owner), name: 'Telegram main', channel: 'telegram' });
    if (registered) log.info({ chat: telegramChat(owner) }, 'registered the Telegram main chat');
    if (conflict) log.warn({ folder: conflict.folder }, "the owner's Telegram chat is already registered as an ordinary group; remove that group to make it the main chat");
  }

  /** Classifies a failure; a refused token stops everything and says what to do. */
  private failureOf(error: unknown): BotApiFailure {
    const failure = classifyFailure(error, this.deps.redact);
    if (failure.kind === 'unauthorized' && this.status !== 'unauthorized') {
      this.setStatus('unauthorized', TOKEN_REFUSED);
      this.deps.log.error(`Telegram: ${TOKEN_REFUSED}`);
      this.stopping.abort();
    }
    if (failure.kind === 'conflict') {
      this.setStatus('conflict', `${failure.text}: another program polls this bot, or a webhook is set. Stop it (or call deleteWebhook); BabyBot keeps trying.`);
    }
    if (failure.kind === 'rate-limited') this.notBefore = Math.max(this.notBefore, Date.now() + failure.retryAfterS * 1000);
    return failure;
  }

  /**
   * Sends each part (4,096 characters at most) and logs it sent once Telegram answered with
   * the message. Telegram has no idempotency key: a part whose send was made but whose answer
   * was lost (a dropped connection, a crash right after) stays 'sending' and is sent again on
   * the retry, so that edge repeats a part rather than losing it (README, "Telegram").
   */
  async send(chat: string, text: string, messageId: string): Promise<void> {
    const parts = splitReply(text, TELEGRAM_TEXT_LIMIT);
    for (const [index, part] of parts.entries()) {
      const partId = partMessageId(messageId, index);
      const key = partKey(partId);
      if (this.deps.store.delivery(key)?.status === 'sent') continue;
      this.mayContinue(chat);
      this.deps.store.recordDelivery(key, chat, partId, 'sending');
      try {
        await this.deps.api.sendMessage(chatIdOf(chat), part, { link_preview_options: { is_disabled: true } }, grammySignal(AbortSignal.timeout(SEND_TIMEOUT_MS)));
      } catch (error) {
        throw this.sendFailure(chat, error);
      }
      this.deps.store.recordDelivery(key, chat, partId, 'sent');
    }
    await this.setTyping(chat, false);
  }

  /** A file from send_file: a photo, audio, video or document by its MIME type. */
  async sendFile(chat: string, file: OutboundFile, _messageId: string): Promise<void> {
    this.mayContinue(chat);
    const input = new InputFile(file.data, file.fileName);
    const other = file.caption ? { caption: file.caption.slice(0, CAPTION_LIMIT) } : {};
    const signal = grammySignal(AbortSignal.timeout(5 * 60_000));
    const id = chatIdOf(chat);
    try {
      if (/^image\/(jpeg|png|webp)$/.test(file.mime)) await this.deps.api.sendPhoto(id, input, other, signal);
      else if (file.mime.startsWith('audio/')) await this.deps.api.sendAudio(id, input, other, signal);
      else if (file.mime.startsWith('video/')) await this.deps.api.sendVideo(id, input, other, signal);
      else await this.deps.api.sendDocument(id, input, other, signal);
    } catch (error) {
      throw this.sendFailure(chat, error);
    }
  }

  /** "typing…" from the turn's start until its reply, sent again every few seconds; best effort. */
  async setTyping(chat: string, typing: boolean): Promise<void> {
    clearTimeout(this.typing.get(chat));
    this.typing.delete(chat);
    if (!typing || this.stopping.signal.aborted) return;
    const until = Date.now() + TYPING_MAX_MS;
    const tick = () => {
      // Not while the token is refused or Telegram asked to wait (429): nothing is sent then.
      if (this.status === 'unauthorized' || Date.now() < this.notBefore) return void this.typing.delete(chat);
      void this.deps.api.sendChatAction(chatIdOf(chat), 'typing', {}, grammySignal(AbortSignal.timeout(SEND_TIMEOUT_MS))).catch((error: unknown) => {
        this.deps.log.debug({ chat, err: classifyFailure(error, this.deps.redact).text }, 'could not show "typing…"');
      });
      if (Date.now() < until) this.typing.set(chat, setTimeout(tick, TYPING_REFRESH_MS));
      else this.typing.delete(chat);
    };
    tick();
  }

  /** Throws when nothing may be sent now: a refused token (until a person acts), or Telegram's 429 wait. */
  private mayContinue(chat: string): void {
    if (this.status === 'unauthorized') throw ApplicationFailure.nonRetryable(`Telegram cannot deliver to ${chat}: ${TOKEN_REFUSED}`, 'TelegramUnauthorized');
    const waitMs = this.notBefore - Date.now();
    if (waitMs > 0) throw rateLimited(chat, Math.ceil(waitMs / 1000));
  }

  private sendFailure(chat: string, error: unknown): ApplicationFailure {
    const failure = this.failureOf(error);
    switch (failure.kind) {
      case 'unauthorized':
        return ApplicationFailure.nonRetryable(`Telegram cannot deliver to ${chat}: ${TOKEN_REFUSED}`, 'TelegramUnauthorized');
      case 'rate-limited':
        return rateLimited(chat, failure.retryAfterS);
      case 'refused':
        // 400/403: the bot was removed from the chat, the chat is gone; sending again cannot help.
        return ApplicationFailure.nonRetryable(`Telegram refused the message to ${chat} (${failure.text}).`, 'TelegramRefused');
      default:
        return ApplicationFailure.retryable(`Sending to ${chat} on Telegram failed (${failure.text}); it is retried until Telegram takes it.`, 'TelegramSendFailed');
    }
  }

  private setStatus(status: TelegramStatus, detail: string): void {
    if (this.status === 'unauthorized' && status !== 'stopped') return;
    this.status = status;
    this.statusDetail = detail;
  }
}

/** Telegram's 429: the delivery's next attempt comes after retry_after, not sooner. */
function rateLimited(chat: string, seconds: number): ApplicationFailure {
  return ApplicationFailure.create({
    message: `Telegram asked BabyBot to wait ${seconds}s before sending to ${chat} again (429); the delivery is retried then.`,
    type: 'TelegramRateLimited',
    nextRetryDelay: `${seconds}s`,
  });
}

const chatIdOf = (chat: string) => Number(chat.slice('telegram:'.length));

/** The delivery log's key of one Telegram part. */
const partKey = (partId: string) => `telegram-part:${partId}`;
