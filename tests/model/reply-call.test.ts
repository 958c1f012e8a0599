// `reply`, the tool whose call is the answer (contracts/tools/reply-tool.ts): the small models
// call a tool for every message, and offered reply they call it for greetings and questions.
// A lone reply call is the answer (nothing runs, one model step); beside other calls it is
// not sent; without a text the model is told how to call it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { turnWorkflowId } from '../../contracts/ids.js';
import { stepsOf } from '../support/step-details.js';
import { useTestBot } from '../support/test-bot.js';

describe('the reply tool', () => {
  const t = useTestBot({ env: { AGENT_MAX_STEPS: '3' } });

  it('is offered first, to every group', async () => {
    t.ollama.setReplies({ content: 'hi' });
    await t.bot.post('main', 'which tools?', { id: 'offered' });
    await t.bot.waitForReplies('local:main', 1);
    expect(t.ollama.requests.at(-1)!.tools![0].function).toMatchObject({ name: 'reply', parameters: { required: ['text'] } });
  });

  it('a lone reply call (as tool_calls or as text) is the answer: nothing runs, the Web UI step says so', async () => {
    t.ollama.setReplies(
      { toolCalls: [{ name: 'reply', arguments: { text: 'Hello! How can I help?' } }] },
      { content: '```json\n{"name": "reply", "arguments": {"text": "The capital of France is Paris."}}\n```' },
    );
    const before = t.ollama.requests.length;
    await t.bot.post('main', 'Hi! How are you?', { id: 'hi' });
    await t.bot.waitForReplies('local:main', 2);
    await t.bot.post('main', 'What is the capital of France?', { id: 'capital' });
    const replies = await t.bot.waitForReplies('local:main', 3);
    expect(replies.slice(-2).map((r) => r.text)).toEqual(['Hello! How can I help?', 'The capital of France is Paris.']);
    // One model step each: the answer needed no second step.
    expect(t.ollama.requests.length - before).toBe(2);
    const [chat] = (await stepsOf(t.bot.client, turnWorkflowId('main', 'hi'))).filter((s) => s.type === 'chat');
    expect(chat.result).toMatchObject({ content: 'Hello! How can I help?', toolCalls: [], answeredByReplyCall: true });
    const steps = await stepsOf(t.bot.client, turnWorkflowId('main', 'capital'));
    expect(steps.filter((s) => s.type === 'runHostTool' || s.type === 'runSandboxTool')).toEqual([]);
  });

  it('beside another call it is not sent: the other runs, and the model answers after its result', async () => {
    t.ollama.setReplies(
      { toolCalls: [{ name: 'remember', arguments: { note: 'Ann likes green tea' } }, { name: 'reply', arguments: { text: 'Done!' } }] },
      { content: 'Noted: Ann likes green tea.' },
    );
    const before = t.ollama.requests.length;
    await t.bot.post('main', 'remember: Ann likes green tea', { id: 'beside' });
    const replies = await t.bot.waitForReplies('local:main', 4);
    expect(replies.at(-1)!.text).toBe('Noted: Ann likes green tea.');
    expect(replies.map((r) => r.text)).not.toContain('Done!');
    expect(fs.readFileSync(path.join(t.bot.config.groupsDir, 'main', 'MEMORY.md'), 'utf8')).toContain('- Ann likes green tea\n');
    const results = t.ollama.requests[before + 1].messages.filter((m) => m.role === 'tool').map((m) => m.content);
    expect(results.at(-1)).toBe('Error: reply was not sent: it came with other calls. Answer once their results are in.');
  });

  it('without a text it is no answer: the model reads how to call it', async () => {
    t.ollama.setReplies({ toolCalls: [{ name: 'reply', arguments: { text: '  ' } }] }, { content: 'Hello!' });
    const before = t.ollama.requests.length;
    await t.bot.post('main', 'Hi', { id: 'empty' });
    const replies = await t.bot.waitForReplies('local:main', 5);
    expect(replies.at(-1)!.text).toBe('Hello!');
    const results = t.ollama.requests[before + 1].messages.filter((m) => m.role === 'tool').map((m) => m.content);
    expect(results.at(-1)).toMatch(/^Error: reply: its text was missing or empty\. Call reply with \{"text": "<your answer>"\}/);
  });
});
