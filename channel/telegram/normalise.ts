// A Telegram update -> BabyBot's normalised inbound message, or the reason it is skipped.
// Every field of an update is the sender's (or their client's) word: names, captions, file
// names, sizes and durations are bounded and checked here, before anything is stored or
// becomes a Temporal payload. Only new messages are taken (edits, channel posts, joins are not
// messages); a voice note, photo, video, document or sticker is a message even without a caption.
import type { Message, PhotoSize, Update } from 'grammy/types';
import { cutTo, oneLine } from '../../contracts/one-line.js';
import { telegramChat } from '../../contracts/chat-ids.js';
import type { IncomingMessage } from '../inbound.js';
import { mentions } from '../inbound.js';
import type { MediaDescription } from '../media/ingest.js';
import { telegramSender } from '../owner.js';

/** Who the bot is (getMe): its @username is a trigger, replies to its messages are too. */
export interface TelegramSelf {
  id: number;
  username: string;
}

/** A message's media as described, with the file_id getFile takes. */
export interface TelegramMedia extends MediaDescription {
  fileId: string;
}

export type NormalisedUpdate = { ok: true; message: IncomingMessage; media?: TelegramMedia } | { ok: false; skip: string };

/** Longer than any text or caption Telegram allows (4,096 and 1,024 characters). */
const TEXT_LIMIT = 8192;
const NAME_LIMIT = 100;
const QUOTE_LIMIT = 200;

export function normaliseUpdate(update: Update, self: TelegramSelf, maxBytes: number): NormalisedUpdate {
  const msg = update.message;
  if (!msg) return { ok: false, skip: 'not-a-message' };
  if (!Number.isSafeInteger(msg.chat?.id) || !Number.isSafeInteger(msg.message_id)) return { ok: false, skip: 'no-chat' };
  if (msg.from?.id === self.id) return { ok: false, skip: 'own-send' };
  const media = mediaOf(msg, maxBytes);
  const raw = bound(commandWithoutBotName(msg.text ?? msg.caption ?? '', self.username), TEXT_LIMIT);
  if (!raw && !media) return { ok: false, skip: 'no-text' };
  const isGroupChat = msg.chat.type === 'group' || msg.chat.type === 'supergroup';
  const quoted = msg.reply_to_message ? bound(msg.reply_to_message.text ?? msg.reply_to_message.caption ?? '', QUOTE_LIMIT, true) : '';
  const sender = msg.from ? telegramSender(msg.from.id) : telegramChat(msg.sender_chat?.id ?? msg.chat.id);
  const senderName = nameOf(msg) || sender;
  const chatName = isGroupChat ? (msg.chat as { title?: string }).title : (msg.chat as { first_name?: string }).first_name;
  return {
    ok: true,
    message: {
      channel: 'telegram',
      chat: telegramChat(msg.chat.id),
      id: String(msg.message_id),
      sender,
      senderName,
      text: quoted ? `(replying to: ${quoted}) ${raw}` : raw,
      timestamp: timestampOf(msg.date),
      isGroupChat,
      ...(chatName ? { chatName: bound(chatName, NAME_LIMIT, true) } : {}),
      addressed: addressesBot(msg, self),
    },
    ...(media ? { media } : {}),
  };
}

/** A mention of the bot's @username (or of the bot as a user), or a reply to one of its messages. */
function addressesBot(msg: Message, self: TelegramSelf): boolean {
  if (msg.reply_to_message?.from?.id === self.id) return true;
  const entities = msg.entities ?? msg.caption_entities ?? [];
  if (entities.some((e) => e.type === 'text_mention' && e.user?.id === self.id)) return true;
  return mentions(msg.text ?? msg.caption ?? '', self.username);
}

/** In groups Telegram writes commands as /status@bot_name: the shared parser reads /status. */
function commandWithoutBotName(text: string, username: string): string {
  const match = /^(\/[a-z]+)@([\w]+)(?=\s|$)/i.exec(text);
  return match && match[2].toLowerCase() === username.toLowerCase() ? match[1] + text.slice(match[0].length) : text;
}

function nameOf(msg: Message): string {
  const from = msg.from;
  const name = from ? [from.first_name, from.last_name].filter(Boolean).join(' ') || from.username || '' : (msg.sender_chat as { title?: string } | undefined)?.title ?? '';
  return bound(name, NAME_LIMIT, true);
}

/** The first kind of media found, described with only what passes the checks. */
function mediaOf(msg: Message, maxBytes: number): TelegramMedia | undefined {
  if (msg.voice) return described(msg.voice, 'voice', 'audio/ogg', { seconds: msg.voice.duration });
  if (msg.audio) return described(msg.audio, 'audio', 'audio/mpeg', { seconds: msg.audio.duration, fileName: msg.audio.file_name });
  if (msg.photo?.length) {
    const size = photoSize(msg.photo, maxBytes);
    return size && described(size, 'image', 'image/jpeg', { width: size.width, height: size.height });
  }
  const video = msg.video ?? msg.video_note ?? msg.animation;
  if (video) return described(video, 'video', 'video/mp4', { seconds: video.duration });
  if (msg.document) return described(msg.document, 'document', 'application/octet-stream', { fileName: msg.document.file_name });
  if (msg.sticker) return described(msg.sticker, 'sticker', msg.sticker.is_video ? 'video/webm' : 'image/webp', { width: msg.sticker.width, height: msg.sticker.height });
  return undefined;
}

/** The largest photo size within the limit (Telegram sends several), else the smallest. */
function photoSize(sizes: PhotoSize[], maxBytes: number): PhotoSize | undefined {
  const area = (s: PhotoSize) => (count(s.width) ?? 0) * (count(s.height) ?? 0);
  const sorted = sizes.slice(0, 20).filter((s) => s && typeof s === 'object').sort((a, b) => area(a) - area(b));
  const fitting = sorted.filter((s) => (count(s.file_size) ?? 0) <= maxBytes);
  return fitting.at(-1) ?? sorted[0];
}

function described(
  file: { file_id?: unknown; file_size?: unknown; mime_type?: unknown },
  kind: MediaDescription['kind'],
  fallbackMime: string,
  extra: { seconds?: unknown; width?: unknown; height?: unknown; fileName?: unknown },
): TelegramMedia | undefined {
  if (typeof file.file_id !== 'string' || !/^[\w-]{1,200}$/.test(file.file_id)) return undefined;
  const mime = typeof file.mime_type === 'string' && /^[\w.+-]{1,50}\/[\w.+-]{1,80}$/.test(file.mime_type) ? file.mime_type : fallbackMime;
  const fileName = typeof extra.fileName === 'string' ? bound(extra.fileName, NAME_LIMIT, true) : '';
  const media: TelegramMedia = { fileId: file.file_id, kind, mime };
  // Seconds and pixels are claims for display only (the real length is read from the file): kept below a day and 100,000 px.
  const numbers = {
    declaredBytes: count(file.file_size),
    seconds: count(extra.seconds, 86_400),
    width: count(extra.width, 100_000),
    height: count(extra.height, 100_000),
  };
  for (const [key, value] of Object.entries(numbers)) if (value !== undefined) Object.assign(media, { [key]: value });
  if (fileName) media.fileName = fileName;
  return media;
}

/** A positive whole number up to `max` (2^40 by default), or undefined (a sender's client can claim anything). */
const count = (value: unknown, max = 2 ** 40) => (typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= max ? value : undefined);

/** Cut to `limit` characters; `flat` also folds line breaks and control characters to spaces. */
function bound(text: unknown, limit: number, flat = false): string {
  if (typeof text !== 'string') return '';
  return flat ? oneLine(text, limit) : cutTo(text, limit);
}

function timestampOf(seconds: unknown): string {
  const ms = typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 && seconds < 2 ** 33 ? seconds * 1000 : Date.now();
  return new Date(ms).toISOString();
}
