import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { lastUserText, OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';

describe('turns across and within groups', () => {
  let ollama: OllamaStub;
  let bot: TestBot;

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    bot = await startTestBot({ ollama, workflowBundle: await bundleWorkflows() });
    for (const name of ['g1', 'g2', 'g3']) {
      bot.store.addGroup({ folder: name, jid: `local:${name}`, name, triggerWord: null, requiresTrigger: false, isMain: false });
    }
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('two groups run their turns at the same time', async () => {
    ollama.setScript((request) => ({ content: `done: ${lastUserText(request)}`, delayMs: 1500 }));
    ollama.maxInFlight = 0;
    await Promise.all([bot.post('g1', 'from one'), bot.post('g2', 'from two')]);
    await bot.waitForReplies('local:g1', 1);
    await bot.waitForReplies('local:g2', 1);
    expect(ollama.maxInFlight).toBe(2);
  });

  it('within a group turns run in arrival order; a message that arrives during a turn is answered after it', async () => {
    const seen: string[][] = [];
    ollama.setScript((request) => {
      const users = request.messages.filter((m) => m.role === 'user').map((m) => m.content);
      seen.push(users);
      return { content: `answered ${users.at(-1)}`, delayMs: 1200 };
    });
    await bot.post('g3', 'first');
    await new Promise((r) => setTimeout(r, 400)); // the first turn is now thinking
    await bot.post('g3', 'second');
    await bot.post('g3', 'third');
    const replies = await bot.waitForReplies('local:g3', 2);
    await new Promise((r) => setTimeout(r, 1500));
    expect(bot.replies('local:g3').map((r) => r.text)).toEqual(['answered user: first', 'answered user: third']);
    // The second turn saw both queued messages, in order, after the first answer.
    expect(seen).toHaveLength(2);
    expect(seen[1].slice(-3)).toEqual(['user: first', 'user: second', 'user: third']);
    const thread = bot.messages('local:g3').map((m) => m.text);
    expect(thread).toEqual(['first', 'second', 'third', replies[0].text, 'answered user: third']);
  });
});
