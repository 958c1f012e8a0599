import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ChatRequestBody } from '../support/ollama-stub.js';
import { useTestBot } from '../support/test-bot.js';

const toolResults = (request: ChatRequestBody) => request.messages.filter((m) => m.role === 'tool').map((m) => m.content);

describe('tool calls', () => {
  const t = useTestBot({ env: { AGENT_MAX_STEPS: '3' } });

  it('offers the model tool definitions generated from the zod schemas', async () => {
    t.ollama.setReplies({ content: 'hi' });
    await t.bot.post('main', 'which tools?');
    await t.bot.waitForReplies('local:main', 1);
    const remember = t.ollama.requests.at(-1)!.tools!.find((t) => t.function.name === 'remember')!;
    // The bounds are the host's to check (the next test), not words for the model to read.
    expect(remember.function.parameters).toEqual({
      type: 'object',
      properties: { note: { type: 'string', description: 'One or two sentences.' } },
      required: ['note'],
    });
  });

  it('a call with bad arguments gives the model the validation error, and the turn goes on', async () => {
    t.ollama.setReplies({ toolCalls: [{ name: 'remember', arguments: { notes: 'typo' } }] }, { content: 'fixed it' });
    const before = t.ollama.requests.length;
    await t.bot.post('main', 'remember something');
    const replies = await t.bot.waitForReplies('local:main', 2);
    expect(replies.at(-1)!.text).toBe('fixed it');
    const result = toolResults(t.ollama.requests[before + 1]).at(-1)!;
    expect(result).toContain('the arguments for remember are not valid');
    expect(result).toContain('note');
  });

  it('an unknown tool is answered with the list of tools', async () => {
    t.ollama.setReplies({ toolCalls: [{ name: 'launch_rockets', arguments: {} }] }, { content: 'no rockets' });
    const before = t.ollama.requests.length;
    await t.bot.post('main', 'launch');
    await t.bot.waitForReplies('local:main', 3);
    const result = toolResults(t.ollama.requests[before + 1]).at(-1)!;
    expect(result).toMatch(/there is no tool named "launch_rockets"\. The tools you can call are: .*remember.*run_command.*send_message.*register_group/);
  });

  it('remember writes MEMORY.md, and the next turn is told what it remembers', async () => {
    t.ollama.setReplies({ toolCalls: [{ name: 'remember', arguments: { note: 'Ann likes green tea' } }] }, { content: 'noted' }, { content: 'green tea' });
    const before = t.ollama.requests.length;
    await t.bot.post('main', 'remember: Ann likes green tea');
    await t.bot.waitForReplies('local:main', 4);
    expect(fs.readFileSync(path.join(t.bot.config.groupsDir, 'main', 'MEMORY.md'), 'utf8')).toBe('- Ann likes green tea\n');
    await t.bot.post('main', 'what does Ann like?');
    await t.bot.waitForReplies('local:main', 5);
    // In the host's note that opens the conversation, not in the system prompt every group shares.
    const next = t.ollama.requests[before + 2].messages;
    expect(next[1].content).toMatch(/^\[host\] [^]*- Ann likes green tea/);
    expect(next[0].content).not.toContain('Ann likes green tea');
  });

  it('send_message sends at once, and the final answer follows', async () => {
    t.ollama.setReplies({ toolCalls: [{ name: 'send_message', arguments: { text: 'working on it…' } }] }, { content: 'all done' });
    await t.bot.post('main', 'do a long thing');
    const replies = await t.bot.waitForReplies('local:main', 7);
    expect(replies.slice(-2).map((r) => r.text)).toEqual(['working on it…', 'all done']);
  });

  it('stops at the step limit and says so', async () => {
    t.ollama.setScript(() => ({ toolCalls: [{ name: 'remember', arguments: { note: 'loop' } }] }));
    const before = t.ollama.requests.length;
    await t.bot.post('main', 'loop forever');
    const replies = await t.bot.waitForReplies('local:main', 8);
    expect(replies.at(-1)!.text).toMatch(/^I stopped after 3 steps without finishing/);
    expect(t.ollama.requests.length - before).toBe(3);
  });

  it('send_message never sends a tool call to a person: the model reads why, and answers', async () => {
    const echoed = 'Noted. {"name": "remember", "arguments": {"note": "Ann likes tea"}}';
    t.ollama.setReplies({ toolCalls: [{ name: 'send_message', arguments: { text: echoed } }] }, { content: 'I will remember that Ann likes tea.' });
    const before = t.ollama.requests.length;
    await t.bot.post('main', 'Ann likes tea, note it');
    const replies = await t.bot.waitForReplies('local:main', 9);
    expect(replies.at(-1)!.text).toBe('I will remember that Ann likes tea.');
    expect(replies.map((r) => r.text)).not.toContain(echoed);
    expect(toolResults(t.ollama.requests[before + 1]).at(-1)).toMatch(/^Error: send_message failed: The text holds a tool call/);
  });
});
