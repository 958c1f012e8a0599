import { z } from 'zod';
import { defineTool } from './spec.js';

export const sendMessage = defineTool({
  name: 'send_message',
  description:
    'Send a message to a chat right away, before your final answer (for example a progress note). ' +
    'Without "chat" it goes to the current chat; only the main chat may send to other registered chats.',
  schema: z.object({
    text: z.string().min(1).max(20_000).describe('The message text.'),
    chat: z.string().min(1).optional().describe('The chat id of a registered chat (main chat only).'),
  }),
});

export const remember = defineTool({
  name: 'remember',
  description: "Save a fact worth keeping to this group's long-term memory (MEMORY.md), for future conversations.",
  schema: z.object({
    note: z.string().min(1).max(4_000).describe('The fact to remember, in one or two sentences.'),
  }),
});

export const sendFile = defineTool({
  name: 'send_file',
  description:
    'Send a file from the group folder (/workspace/group) to the current chat: a photo, audio, video or document, ' +
    'chosen by its type. Write the file first (for example with run_command), then name it here.',
  schema: z.object({
    path: z
      .string()
      .min(1)
      .max(500)
      .describe('The file, relative to /workspace/group (e.g. out/chart.png); links are not followed.'),
    caption: z.string().max(1_000).optional().describe('A short text sent with it.'),
  }),
});

// It reads the skill on the host (the skills are the host's files, mounted read-only into the
// sandbox), so it stays available to a group that has no sandbox.
export const readSkill = defineTool({
  name: 'read_skill',
  description: 'Read the full instructions of one of your skills (listed in the system prompt) before following it.',
  schema: z.object({ name: z.string().min(1).max(100).describe('The skill name, as listed.') }),
});

export const HOST_TOOLS = [sendMessage, remember, sendFile, readSkill];
