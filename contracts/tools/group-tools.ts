// Registering a chat as a group, as a tool of the main chat. The field schemas here are
// the one definition of a valid registration: the CLI (`babybot groups add`) checks with
// the same ones, through lib/group-registration.ts.
import { z } from 'zod';
import { chatJid, groupFolder } from '../chat-ids.js';
import { defineTool } from './spec.js';

export const triggerWord = z
  .string()
  .transform((word) => word.replace(/^@/, ''))
  .pipe(z.string().regex(/^[\p{L}\p{N}_-]{1,40}$/u, 'one word of letters or digits, such as "Baby" (called as @Baby)'));

export const registerGroup = defineTool({
  name: 'register_group',
  description:
    'Register a chat so you answer in it: a WhatsApp group or person (their chat id) gets its own folder and memory. ' +
    'In groups you answer only when called with the trigger word (@ and your name unless another word is given).',
  mainOnly: true,
  schema: z.object({
    chat: chatJid.describe('The chat id, e.g. 1203630xxxxxxxx@g.us; ask the owner or use one from the conversation.'),
    folder: groupFolder.describe('The folder name for this group: lowercase letters, digits and dashes.'),
    name: z.string().min(1).max(100).optional().describe("A display name; defaults to the chat's own name."),
    trigger_word: triggerWord.optional().describe('The word that calls you in this group, without @; defaults to your name.'),
    requires_trigger: z.boolean().optional().describe('False to answer every message in this chat (default true).'),
  }),
});

export const GROUP_TOOLS = [registerGroup];
