// What the model is told at the start of a turn: who it is, when it is, what it remembers,
// and the conversation so far (including messages that did not call it, as context).
import fs from 'node:fs';
import path from 'node:path';
import type { Group, Store, StoredMessage } from '../lib/store/store.js';
import type { ChatMessage, InboundMessage, TaskTurn } from '../workflows/types.js';
import { withTurnMedia } from './media/turn-media.js';

export interface PromptSettings {
  assistantName: string;
  groupsDir: string;
  timeZone: string;
  contextMessages: number;
  /** Extra sections (skills, sandbox layout…) contributed by other capabilities. */
  extraSections?: (group: Group) => string[];
}

export function readMemory(groupsDir: string, folder: string): string {
  try {
    return fs.readFileSync(path.join(groupsDir, folder, 'MEMORY.md'), 'utf8').trim();
  } catch {
    return '';
  }
}

export function systemPrompt(settings: PromptSettings, group: Group, now: Date): string {
  const when = now.toLocaleString('en-GB', { timeZone: settings.timeZone, dateStyle: 'full', timeStyle: 'short' });
  const memory = readMemory(settings.groupsDir, group.folder);
  const globalMemory = readMemory(settings.groupsDir, 'global');
  const sections = [
    `You are ${settings.assistantName}, a personal assistant people talk to in the chat "${group.name}".`,
    `It is now ${when} (${settings.timeZone}).`,
    'Answer in plain text suited to a chat message: short, direct, no Markdown headings. ' +
      'Use the tools when they help; when a tool returns an error, correct the call or tell the user what went wrong.',
    group.isMain
      ? 'This is the main chat of your owner: you may act for every registered group.'
      : 'This is a group chat: you may act only for this group.',
    globalMemory && `What you remember across all chats (global memory):\n${globalMemory}`,
    memory && `What you remember about this chat (MEMORY.md):\n${memory}`,
    ...(settings.extraSections?.(group) ?? []),
  ];
  return sections.filter(Boolean).join('\n\n');
}

function asChatMessage(message: StoredMessage): ChatMessage {
  if (message.fromAssistant) return { role: 'assistant', content: message.text };
  return { role: 'user', content: `${message.senderName ?? message.sender}: ${message.text}` };
}

/** The recent conversation up to the newest message of the turn; a task adds its prompt last. */
export function conversation(
  store: Store,
  settings: PromptSettings,
  chat: string,
  messages: InboundMessage[],
  task?: TaskTurn,
): ChatMessage[] {
  if (task?.isolated) return [{ role: 'user', content: task.prompt }];
  const upto = messages.length ? Math.max(...messages.map((m) => m.seq)) : undefined;
  const turnIds = new Set(messages.map((m) => m.id));
  const history = store
    .recentMessages(chat, settings.contextMessages, upto)
    .map((m) => withTurnMedia(store, m, asChatMessage(m), turnIds));
  if (task) history.push({ role: 'user', content: `(Scheduled task ${task.taskId}) ${task.prompt}` });
  return history;
}
