// What a chat id and a group folder look like: the one place for these rules. Config,
// the tools' arguments, the local API and the CLI all validate with these schemas.
import { z } from 'zod';

/** A group's folder under groups/: also its workflow id (`group:<folder>`) and its sandbox's name. */
export const groupFolder = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'a folder name of lowercase letters, digits and dashes (such as "family" or "book-club"), at most 40 characters')
  .refine((folder) => folder !== 'global', '"global" is the folder of the memory all groups share; choose another name');

const WHATSAPP = String.raw`[\w.:-]+@(g\.us|s\.whatsapp\.net|lid)`;
const LOCAL = String.raw`local:[\w.-]+`;
// Telegram's chat ids are integers (negative for groups), at most 52 bits.
const TELEGRAM = String.raw`telegram:-?\d{1,16}`;

/** A WhatsApp chat: a group (…@g.us) or a person (…@s.whatsapp.net, …@lid). */
export const whatsappJid = z.string().regex(new RegExp(`^${WHATSAPP}$`), 'a WhatsApp chat id such as 4477xxxxxxxx@s.whatsapp.net or 1203630xxxxxxxx@g.us');

/** Any chat BabyBot answers in: a WhatsApp chat, a Telegram chat or a local web chat. */
export const chatJid = z
  .string()
  // A regex rather than a refinement: the model's tool definitions carry it as a pattern.
  .regex(
    new RegExp(`^(${LOCAL}|${WHATSAPP}|${TELEGRAM})$`),
    'a chat id such as 1203630xxxxxxxx@g.us (a WhatsApp group), 4477xxxxxxxx@s.whatsapp.net (a person), telegram:-100xxxxxxxxxx (a Telegram chat) or local:NAME (see `babybot groups list`)',
  );

/** A local web chat as the API takes it: `main` and `local:main` name the same chat. */
export const localChatName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^(local:)?[\w.-]+$/, 'a local chat name such as "main" or "local:family"');

/** `main` → `local:main`; a full id stays as it is. */
export const localChat = (name: string) => (name.includes(':') ? name : `local:${name}`);

export const isWhatsAppGroup = (jid: string) => jid.endsWith('@g.us');

/** A Telegram chat as BabyBot names it: `telegram:<chat id>`. */
export const telegramChat = (chatId: number | string) => `telegram:${chatId}`;
export const isTelegramChat = (jid: string) => new RegExp(`^${TELEGRAM}$`).test(jid);
