// Who the owner is, decided from the store, never from what a sender claims: the linked
// WhatsApp account (its phone number and LID forms) and the Telegram user the store names
// (TELEGRAM_OWNER_ID, or `babybot telegram link`). Local chats are the owner's own (the
// HTTP API answers only the owner's token), so every message there is the owner's. The
// turn's prompt (members tagged) and the chat commands (who may) both read it here.
import type { Store, StoredMessage } from '../lib/store/store.js';
import { linkedAccount } from './whatsapp/auth-state.js';
import { jidNormalizedUser } from './whatsapp/baileys.js';

/** The store's key of the Telegram owner's user id (written by the Telegram channel at start, or by `telegram link`). */
export const TELEGRAM_OWNER_KEY = 'telegram:owner';

/** A Telegram user as a message's sender: `telegram:<user id>` (their private chat with the bot has the same id). */
export const telegramSender = (userId: number | string) => `telegram:${userId}`;

/** The owner's ids: the linked WhatsApp account's, normalised, and the Telegram owner's. */
export function ownerIds(store: Store): Set<string> {
  const me = linkedAccount(store) as { id: string; lid?: string } | undefined;
  const whatsapp = [me?.id, me?.lid].filter((id): id is string => !!id).map((id) => jidNormalizedUser(id));
  const telegram = store.channelState(TELEGRAM_OWNER_KEY);
  return new Set([...whatsapp, ...(telegram ? [telegramSender(telegram)] : [])]);
}

export const isOwners = (message: Pick<StoredMessage, 'chat' | 'sender'>, owners: Set<string>) =>
  message.chat.startsWith('local:') || owners.has(message.sender);
