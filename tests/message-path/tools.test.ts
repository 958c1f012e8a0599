import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { OllamaStub, type ChatRequestBody } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';

const toolResults = (request: ChatRequestBody) => request.messages.filter((m) => m.role === 'tool').map((m) => m.content);

describe('tool calls', () => {
  let ollama: OllamaStub;
  let bot: TestBot;

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    bot = await startTestBot({ ollama, workflowBundle: await bundleWorkflows(), env: { AGENT_MAX_STEPS: '3' } });
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('offers the model tool definitions generated from the zod schemas', async () => {
    ollama.setReplies({ content: 'hi' });
    await bot.post('main', 'which tools?');
    await bot.waitForReplies('local:main', 1);
    const remember = ollama.requests.at(-1)!.tools!.find((t) => t.function.name === 'remember')!;
    expect(remember.function.parameters).toMatchObject({
      type: 'object',
      properties: { note: { type: 'string', maxLength: 4000 } },
      required: ['note'],
    });
  });

  it('a call with bad arguments gives the model the validation error, and the turn goes on', async () => {
    ollama.setReplies({ toolCalls: [{ name: 'remember', arguments: { notes: 'typo' } }] }, { content: 'fixed it' });
    const before = ollama.requests.length;
    await bot.post('main', 'remember something');
    const replies = await bot.waitForReplies('local:main', 2);
    expect(replies.at(-1)!.text).toBe('fixed it');
    const result = toolResults(ollama.requests[before + 1]).at(-1)!;
    expect(result).toContain('the arguments for remember are not valid');
    expect(result).toContain('note');
  });

  it('an unknown tool is answered with the list of tools', async () => {
    ollama.setReplies({ toolCalls: [{ name: 'launch_rockets', arguments: {} }] }, { content: 'no rockets' });
    const before = ollama.requests.length;
    await bot.post('main', 'launch');
    await bot.waitForReplies('local:main', 3);
    const result = toolResults(ollama.requests[before + 1]).at(-1)!;
    expect(result).toMatch(/there is no tool named "launch_rockets"\. The tools you can call are: .*send_message.*remember/);
  });

  it('remember writes MEMORY.md, and the next turn is told what it remembers', async () => {
    ollama.setReplies({ toolCalls: [{ name: 'remember', arguments: { note: 'Ann likes green tea' } }] }, { content: 'noted' }, { content: 'green tea' });
    const before = ollama.requests.length;
    await bot.post('main', 'remember: Ann likes green tea');
    await bot.waitForReplies('local:main', 4);
    expect(fs.readFileSync(path.join(bot.config.groupsDir, 'main', 'MEMORY.md'), 'utf8')).toBe('- Ann likes green tea\n');
    await bot.post('main', 'what does Ann like?');
    await bot.waitForReplies('local:main', 5);
    expect(ollama.requests[before + 2].messages[0].content).toContain('- Ann likes green tea');
  });

  it('send_message sends at once, and the final answer follows', async () => {
    ollama.setReplies({ toolCalls: [{ name: 'send_message', arguments: { text: 'working on it…' } }] }, { content: 'all done' });
    await bot.post('main', 'do a long thing');
    const replies = await bot.waitForReplies('local:main', 7);
    expect(replies.slice(-2).map((r) => r.text)).toEqual(['working on it…', 'all done']);
  });

  it('stops at the step limit and says so', async () => {
    ollama.setScript(() => ({ toolCalls: [{ name: 'remember', arguments: { note: 'loop' } }] }));
    const before = ollama.requests.length;
    await bot.post('main', 'loop forever');
    const replies = await bot.waitForReplies('local:main', 8);
    expect(replies.at(-1)!.text).toMatch(/^I stopped after 3 steps without finishing/);
    expect(ollama.requests.length - before).toBe(3);
  });
});
