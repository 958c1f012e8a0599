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
  description: 'Register a chat (a WhatsApp group or person) so you answer there, with its own folder and memory.',
  mainOnly: true,
  schema: z.object({
    chat: chatJid.describe('Chat id, e.g. 1203630xxxxxxxx@g.us'),
    folder: groupFolder.describe('lowercase letters, digits and dashes'),
    name: z.string().min(1).max(100).optional(),
    trigger_word: triggerWord.optional().describe('The word that calls you there (as @word); default your name'),
    requires_trigger: z.boolean().optional().describe('false: answer every message, not only when called'),
  }),
});

export const GROUP_TOOLS = [registerGroup];
