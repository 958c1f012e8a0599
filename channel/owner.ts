// Who the owner is, decided from the store, never from what a sender claims: the linked
// WhatsApp account (its phone number and LID forms). Local chats are the owner's own (the
// HTTP API answers only the owner's token), so every message there is the owner's. The
// turn's prompt (members tagged) and the chat commands (who may) both read it here.
import type { Store, StoredMessage } from '../lib/store/store.js';
import { linkedAccount } from './whatsapp/auth-state.js';
import { jidNormalizedUser } from './whatsapp/baileys.js';

/** The owner's ids: the linked WhatsApp account's, normalised. */
export function ownerIds(store: Store): Set<string> {
  const me = linkedAccount(store) as { id: string; lid?: string } | undefined;
  return new Set([me?.id, me?.lid].filter((id): id is string => !!id).map((id) => jidNormalizedUser(id)));
}

export const isOwners = (message: Pick<StoredMessage, 'chat' | 'sender'>, owners: Set<string>) =>
  message.chat.startsWith('local:') || owners.has(message.sender);
