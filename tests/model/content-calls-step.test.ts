// The model step with a model that writes its calls into the text (Ollama returns them as
// content, no tool_calls), through the whole turn: the call runs, the person gets the final
// answer and never the call, and the step's result in the Web UI says how it was read.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANSWER_NOW_NOTE } from '../../contracts/host-notes.js';
import { turnWorkflowId } from '../../contracts/ids.js';
import type { ModelReply } from '../../contracts/types.js';
import { stepsOf } from '../support/step-details.js';
import { useTestBot } from '../support/test-bot.js';

describe('calls written into the answer text', () => {
  const t = useTestBot({ env: { AGENT_MAX_STEPS: '3' } });

  it('a ```json block (as Qwen2.5-Coder writes it) runs as a call; the Web UI step says so; the person gets the answer only', async () => {
    t.ollama.setReplies(
      { content: '```json\n{"name": "remember", "arguments": {"note": "Ann likes green tea"}}\n```' },
      { content: 'Noted: Ann likes green tea.' },
    );
    await t.bot.post('main', 'remember: Ann likes green tea', { id: 'fenced' });
    const [reply] = await t.bot.waitForReplies('local:main', 1, 60_000);
    expect(reply.text).toBe('Noted: Ann likes green tea.');
    expect(fs.readFileSync(path.join(t.bot.config.groupsDir, 'main', 'MEMORY.md'), 'utf8')).toBe('- Ann likes green tea\n');
    const chats = (await stepsOf(t.bot.client, turnWorkflowId('main', 'fenced'))).filter((s) => s.type === 'chat');
    expect(chats[0].result).toMatchObject({ content: '', callsFromContent: 'json block', toolCalls: [{ function: { name: 'remember' } }] });
    expect((chats[1].result as ModelReply).callsFromContent).toBeUndefined();
  });

  it('arguments the schema refuses are not run: the model reads the error and corrects the call', async () => {
    t.ollama.setReplies(
      { content: '<tool_call>\n{"name": "remember", "arguments": {"fact": "Bo likes coffee"}}\n</tool_call>' },
      { content: '<tool_call>\n{"name": "remember", "arguments": {"note": "Bo likes coffee"}}\n</tool_call>' },
      { content: 'Saved.' },
    );
    const before = t.ollama.requests.length;
    await t.bot.post('main', 'remember: Bo likes coffee', { id: 'refused' });
    const replies = await t.bot.waitForReplies('local:main', 2, 60_000);
    expect(replies.at(-1)!.text).toBe('Saved.');
    // The error last, with no host's note asking for the answer: the model is to correct the call.
    const firstResult = t.ollama.requests[before + 1].messages.at(-1)!;
    expect(firstResult).toMatchObject({ role: 'tool' });
    expect(firstResult.content).toMatch(/^Error: remember: the arguments for remember are not valid/);
    // The corrected call ran: now the note asks for the answer.
    expect(t.ollama.requests[before + 2].messages.at(-1)!.content).toBe(ANSWER_NOW_NOTE);
    expect(fs.readFileSync(path.join(t.bot.config.groupsDir, 'main', 'MEMORY.md'), 'utf8')).toContain('- Bo likes coffee\n');
  });

  it('an answer that shows JSON to the person stays the answer', async () => {
    const text = 'A config file could look like this:\n```json\n{"name": "my-app", "version": "1.0.0"}\n```';
    t.ollama.setReplies({ content: text });
    await t.bot.post('main', 'show me a package.json', { id: 'prose' });
    const replies = await t.bot.waitForReplies('local:main', 3, 60_000);
    expect(replies.at(-1)!.text).toBe(text);
  });
});
