import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';

describe('a message to local:main', () => {
  let ollama: OllamaStub;
  let bot: TestBot;

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    bot = await startTestBot({ ollama, workflowBundle: await bundleWorkflows() });
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('gets exactly one reply, stored as an assistant message of the chat', async () => {
    const posted = await bot.post('main', 'hello there');
    expect(posted.triggered).toBe(true);
    const replies = await bot.waitForReplies('local:main', 1);
    expect(replies.map((r) => r.text)).toEqual(['echo: user: hello there']);
    await new Promise((r) => setTimeout(r, 500));
    expect(bot.replies('local:main')).toHaveLength(1);
  });

  it('posting the same id twice gives one turn and one reply', async () => {
    const before = bot.replies('local:main').length;
    const requestsBefore = ollama.requests.length;
    const first = await bot.post('main', 'same message', { id: 'dup-1' });
    const second = await bot.post('main', 'same message', { id: 'dup-1' });
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    await bot.waitForReplies('local:main', before + 1);
    await new Promise((r) => setTimeout(r, 800));
    expect(bot.replies('local:main')).toHaveLength(before + 1);
    expect(ollama.requests.length - requestsBefore).toBe(1);
  });
});
