import { z } from 'zod';
import { defineTool } from './spec.js';

export const sendMessage = defineTool({
  name: 'send_message',
  description:
    'Send a message to a chat right away, before your final answer (for example a progress note). ' +
    'Without "chat" it goes to the current chat; only the main chat may send to other registered chats.',
  runsOn: 'host',
  schema: z.object({
    text: z.string().min(1).max(20_000).describe('The message text.'),
    chat: z.string().min(1).optional().describe('The chat id of a registered chat (main chat only).'),
  }),
});

export const remember = defineTool({
  name: 'remember',
  description: "Save a fact worth keeping to this group's long-term memory (MEMORY.md), for future conversations.",
  runsOn: 'host',
  schema: z.object({
    note: z.string().min(1).max(4_000).describe('The fact to remember, in one or two sentences.'),
  }),
});

export const HOST_TOOLS = [sendMessage, remember];
