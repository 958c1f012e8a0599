// Baileys' messages -> BabyBot's normalised inbound message, or the reason it is skipped.
// Only people's words reach the store: status broadcasts, protocol messages (deletes,
// edits, key shares), reactions and BabyBot's own sends coming back are not messages.
import type { IncomingMessage } from '../inbound.js';
import {
  isJidGroup,
  jidNormalizedUser,
  normalizeMessageContent,
  type WAContextInfo,
  type WAMessage,
  type WAMessageContent,
} from './baileys.js';

export type SkipReason = 'no-chat' | 'status' | 'broadcast' | 'no-content' | 'protocol' | 'reaction' | 'own-send' | 'no-text';

export type Normalised = { ok: true; message: IncomingMessage } | { ok: false; skip: SkipReason };

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
  const text = textOf(content);
  if (!text) return { ok: false, skip: 'no-text' };

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
  };
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

function truncate(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > QUOTE_LIMIT ? `${flat.slice(0, QUOTE_LIMIT)}…` : flat;
}

function timestampOf(value: WAMessage['messageTimestamp']): string {
  if (value === null || value === undefined) return new Date().toISOString();
  const seconds = typeof value === 'number' ? value : value.toNumber();
  return new Date(seconds * 1000).toISOString();
}
