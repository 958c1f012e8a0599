import { z } from 'zod';
import { defineTool } from './spec.js';

export const sendMessage = defineTool({
  name: 'send_message',
  description: 'Send a message now, before your answer (e.g. a progress note).',
  schema: z.object({
    text: z.string().min(1).max(20_000),
    chat: z.string().min(1).optional().describe('Another registered chat id; default this chat.'),
  }),
  // In a group its one use would be its own chat, where the answer goes anyway: small models
  // sent greetings and the person's own words back with it (Qwen2.5-Coder 0.5B, 2026-12-07).
  mainOnly: true,
});

export const remember = defineTool({
  name: 'remember',
  description: "Save a fact to this chat's memory (MEMORY.md) for later conversations; not for reminders.",
  schema: z.object({
    note: z.string().min(1).max(4_000).describe('One or two sentences.'),
  }),
});

export const sendFile = defineTool({
  name: 'send_file',
  description: 'Send a file from /workspace/group to this chat when asked for one.',
  schema: z.object({
    // No example path: the 1.5B sent the example's `out/chart.png` in answer to "Hi!".
    path: z.string().min(1).max(500).describe('Relative to /workspace/group'),
    caption: z.string().max(1_000).optional(),
  }),
});

// It reads the skill on the host (the skills are the host's files, mounted read-only into the
// sandbox), so it stays available to a group that has no sandbox.
export const readSkill = defineTool({
  name: 'read_skill',
  description: "Read a skill's instructions before following it.",
  schema: z.object({ name: z.string().min(1).max(100) }),
});

export const HOST_TOOLS = [sendMessage, remember, sendFile, readSkill];
