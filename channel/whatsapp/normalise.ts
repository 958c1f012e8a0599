// Baileys' messages -> BabyBot's normalised inbound message, or the reason it is skipped.
// Only people's words and media reach the store: status broadcasts, protocol messages
// (deletes, edits, key shares), reactions and BabyBot's own sends coming back are not
// messages. A voice note, photo, video, document or sticker is a message even without a
// caption: normalising only describes its media; the channel downloads it.
import { oneLine } from '../../contracts/one-line.js';
import type { MediaKind } from '../../lib/store/store.js';
import type { IncomingMessage } from '../inbound.js';
import type { MediaDescription } from '../media/ingest.js';
import {
  isJidGroup,
  jidNormalizedUser,
  normalizeMessageContent,
  type WAContextInfo,
  type WAMessage,
  type WAMessageContent,
} from './baileys.js';

export type SkipReason = 'no-chat' | 'status' | 'broadcast' | 'no-content' | 'protocol' | 'reaction' | 'own-send' | 'no-text';

export type Normalised = { ok: true; message: IncomingMessage; media?: MediaDescription } | { ok: false; skip: SkipReason };

export interface NormaliseContext {
  /** The linked account's own jid, normalised (no device suffix). */
  selfJid: string;
  selfName?: string;
  /** Other jids of the same chat (the self chat also appears under the account's LID). */
  aliases: Record<string, string>;
  /** Whether BabyBot sent the message with this id (the delivery log), so its echo is no input. */
  isOwnSend: (messageId: string) => boolean;
}

const QUOTE_LIMIT = 200;

export function normaliseMessage(raw: WAMessage, ctx: NormaliseContext): Normalised {
  const remoteJid = raw.key.remoteJid;
  if (!remoteJid || !raw.key.id) return { ok: false, skip: 'no-chat' };
  if (remoteJid === 'status@broadcast') return { ok: false, skip: 'status' };
  if (remoteJid.endsWith('@broadcast') || remoteJid.endsWith('@newsletter')) return { ok: false, skip: 'broadcast' };
  const content = normalizeMessageContent(raw.message);
  if (!content) return { ok: false, skip: 'no-content' };
  if (content.protocolMessage) return { ok: false, skip: 'protocol' };
  if (content.reactionMessage) return { ok: false, skip: 'reaction' };
  if (raw.key.fromMe && ctx.isOwnSend(raw.key.id)) return { ok: false, skip: 'own-send' };
  const text = textOf(content) ?? '';
  const media = mediaOf(content);
  if (!text && !media) return { ok: false, skip: 'no-text' };

  const quotedText = textOf(normalizeMessageContent(contextInfoOf(content)?.quotedMessage));
  const normalisedJid = jidNormalizedUser(remoteJid);
  const chat = ctx.aliases[normalisedJid] ?? normalisedJid;
  const isGroupChat = isJidGroup(chat) === true;
  const sender = raw.key.fromMe ? ctx.selfJid : jidNormalizedUser(isGroupChat ? (raw.key.participant || '') : remoteJid);
  const senderName = raw.pushName || (raw.key.fromMe ? ctx.selfName : undefined) || sender.split('@')[0];
  return {
    ok: true,
    message: {
      channel: 'whatsapp',
      chat,
      id: raw.key.id,
      sender,
      senderName,
      text: quotedText ? `(replying to: ${truncate(quotedText)}) ${text}` : text,
      timestamp: timestampOf(raw.messageTimestamp),
      isGroupChat,
      // A direct chat is named after the person; groups get their subject from group metadata.
      ...(!isGroupChat && !raw.key.fromMe && raw.pushName ? { chatName: raw.pushName } : {}),
    },
    ...(media ? { media } : {}),
  };
}

type LongLike = number | { toString(): string } | null | undefined;
const numberOf = (value: LongLike) => {
  const n = value === null || value === undefined ? NaN : Number(value.toString());
  return Number.isFinite(n) && n > 0 ? n : undefined;
};

/** The media of a message (the first kind found), with what WhatsApp declares about it. */
function mediaOf(content: WAMessageContent): MediaDescription | undefined {
  const common = (m: { mimetype?: string | null; fileLength?: LongLike }, kind: MediaKind, fallbackMime: string): MediaDescription => {
    const declaredBytes = numberOf(m.fileLength);
    return { kind, mime: m.mimetype || fallbackMime, ...(declaredBytes ? { declaredBytes } : {}) };
  };
  const withSize = (media: MediaDescription, extra: Record<string, number | string | undefined>) => {
    for (const [key, value] of Object.entries(extra)) if (value) Object.assign(media, { [key]: value });
    return media;
  };
  if (content.audioMessage) {
    const m = content.audioMessage;
    return withSize(common(m, m.ptt ? 'voice' : 'audio', 'audio/ogg'), { seconds: numberOf(m.seconds) });
  }
  if (content.imageMessage) {
    const m = content.imageMessage;
    return withSize(common(m, 'image', 'image/jpeg'), { width: numberOf(m.width), height: numberOf(m.height) });
  }
  if (content.videoMessage) {
    const m = content.videoMessage;
    return withSize(common(m, 'video', 'video/mp4'), { seconds: numberOf(m.seconds) });
  }
  if (content.documentMessage) {
    const m = content.documentMessage;
    return withSize(common(m, 'document', 'application/octet-stream'), { fileName: m.fileName || m.title || undefined });
  }
  if (content.stickerMessage) {
    const m = content.stickerMessage;
    return withSize(common(m, 'sticker', 'image/webp'), { width: numberOf(m.width), height: numberOf(m.height) });
  }
  return undefined;
}

/** Plain and extended text, and the captions of images, videos and documents. */
function textOf(content: WAMessageContent | undefined): string | undefined {
  if (!content) return undefined;
  // `||`, not `??`: Baileys' protobuf classes default absent strings to "".
  const text =
    content.conversation ||
    content.extendedTextMessage?.text ||
    content.imageMessage?.caption ||
    content.videoMessage?.caption ||
    content.documentMessage?.caption;
  return text?.trim() || undefined;
}

function contextInfoOf(content: WAMessageContent): WAContextInfo | undefined {
  return (
    content.extendedTextMessage?.contextInfo ??
    content.imageMessage?.contextInfo ??
    content.videoMessage?.contextInfo ??
    content.documentMessage?.contextInfo ??
    undefined
  );
}

const truncate = (text: string) => oneLine(text, QUOTE_LIMIT);

function timestampOf(value: WAMessage['messageTimestamp']): string {
  if (value === null || value === undefined) return new Date().toISOString();
  const seconds = typeof value === 'number' ? value : value.toNumber();
  return new Date(seconds * 1000).toISOString();
}
