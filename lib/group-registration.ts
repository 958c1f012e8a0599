// Registering and unregistering groups: one place for the rules, used by `babybot groups`
// and by the main chat's register_group tool. Works on the store directly, so it is safe
// while BabyBot runs (SQLite in WAL mode; the inbound path reads groups per message).
import { z } from 'zod';
import { chatJid, groupFolder } from '../contracts/chat-ids.js';
import { triggerWord } from '../contracts/tools/group-tools.js';
import type { Group, Store } from './store/store.js';

export const GroupRegistration = z.object({
  jid: chatJid,
  folder: groupFolder,
  name: z.string().trim().min(1).max(100).optional(),
  triggerWord: triggerWord.optional(),
  requiresTrigger: z.boolean().default(true),
});

export type GroupRegistrationInput = z.input<typeof GroupRegistration>;

/** A registration refused for a reason a person (or the model) can act on. */
export class RegistrationError extends Error {
  override name = 'RegistrationError';
}

/** The folder of the WhatsApp main chat (the owner's chat with themselves). */
export const WHATSAPP_MAIN_FOLDER = 'whatsapp-main';

export function registerGroup(store: Store, input: GroupRegistrationInput): Group {
  const parsed = GroupRegistration.safeParse(input);
  if (!parsed.success) throw new RegistrationError(`Cannot register the group:\n${z.prettifyError(parsed.error)}`);
  const { jid, folder, name, triggerWord: word, requiresTrigger } = parsed.data;
  const byFolder = store.groupByFolder(folder);
  if (byFolder) {
    throw new RegistrationError(`The folder "${folder}" is already used by ${byFolder.name} (${byFolder.jid}). Choose another folder name.`);
  }
  const byJid = store.groupByJid(jid);
  if (byJid) {
    throw new RegistrationError(`${jid} is already registered, in the folder "${byJid.folder}". Remove it first to register it again.`);
  }
  const known = store.listChats().find((chat) => chat.jid === jid);
  if (!known && !jid.startsWith('local:')) {
    throw new RegistrationError(
      `BabyBot has not seen the chat ${jid} yet. Send a message in it (or check the id with \`babybot groups list\`), then register it.`,
    );
  }
  if (!known) store.upsertChat({ jid, name: jid.slice('local:'.length), channel: 'local' });
  return store.addGroup({
    folder,
    jid,
    name: name ?? known?.name ?? jid,
    triggerWord: word ?? null,
    requiresTrigger,
    isMain: false,
  });
}

export function unregisterGroup(store: Store, folder: string): Group {
  const group = store.groupByFolder(folder);
  if (!group) {
    const folders = store.listGroups().map((g) => g.folder);
    throw new RegistrationError(`No group has the folder "${folder}". Registered folders: ${folders.join(', ') || 'none'}.`);
  }
  if (group.isMain) {
    throw new RegistrationError(`"${folder}" is a main chat (${group.jid}); it cannot be removed.`);
  }
  store.removeGroup(folder);
  return group;
}

/**
 * Makes `jid` the WhatsApp main chat. The local main chat keeps its own folder ("main"):
 * a group workflow serves one chat, so the two main chats are two groups, both trusted as
 * main, sharing the global memory. A changed WHATSAPP_MAIN_CHAT moves the registration.
 */
export function ensureWhatsAppMainChat(store: Store, jid: string, name: string): { registered: boolean; conflict?: Group } {
  return ensureMainChat(store, { folder: WHATSAPP_MAIN_FOLDER, jid, name, channel: 'whatsapp' });
}

/** The folder of the Telegram main chat (the owner's private chat with the bot). */
export const TELEGRAM_MAIN_FOLDER = 'telegram-main';

/**
 * Makes `jid` a channel's main chat in its own folder (whatsapp-main, telegram-main): one
 * rule for every channel. A changed main chat (another owner) moves the registration; a
 * chat already registered as an ordinary group is left alone and reported as a conflict.
 */
export function ensureMainChat(
  store: Store,
  main: { folder: string; jid: string; name: string; channel: string },
): { registered: boolean; conflict?: Group } {
  const existing = store.groupByFolder(main.folder);
  if (existing?.jid === main.jid) return { registered: false };
  const other = store.groupByJid(main.jid);
  if (other) return { registered: false, conflict: other };
  store.transaction(() => {
    if (existing) store.removeGroup(main.folder);
    store.upsertChat({ jid: main.jid, name: main.name, channel: main.channel });
    store.addGroup({ folder: main.folder, jid: main.jid, name: main.name, triggerWord: null, requiresTrigger: false, isMain: true });
  });
  return { registered: true };
}
