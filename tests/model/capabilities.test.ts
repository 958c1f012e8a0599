// Capabilities are read from /api/show, not assumed. A model without tools still chats
// (tools are not sent: Ollama would answer 400) and the owner is told once which model
// would have them; a thinking model thinks with `think`, and its thinking stays out of the
// chat but shows in the step's result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { turnWorkflowId } from '../../contracts/ids.js';
import type { ModelReply } from '../../contracts/types.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { stepsOf } from '../support/step-details.js';
import { eventually } from '../support/eventually.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';

const chatResult = async (bot: TestBot, turn: string) =>
  (await stepsOf(bot.client, turn)).find((s) => s.type === 'chat' && s.result)!.result as ModelReply;

describe('a model without tools', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  const env = { OLLAMA_MODEL: 'tiny-notools' };
  const notices = () => bot.replies('local:main').filter((m) => m.text.includes('cannot call tools'));

  beforeAll(async () => {
    ollama = await new OllamaStub(['tiny-notools']).start();
    ollama.capabilities.set('tiny-notools', ['completion']);
    bot = await startTestBot({ ollama, env, workflowBundle: await bundleWorkflows() });
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('the owner is told once, at start, that tools are off and which model has them', async () => {
    const [notice] = await eventually(async () => (notices().length ? notices() : undefined), { timeoutMs: 10_000, what: 'the no-tools notice' });
    console.log('owner notice:', notice.text);
    expect(notice.text).toContain('tiny-notools cannot call tools');
    expect(notice.text).toContain('qwen2.5:7b');
    // The same installation started again: not told twice.
    const { dir, namespace } = bot;
    await bot.stop();
    const warmups = ollama.warmups;
    bot = await startTestBot({ ollama, env, dir, namespace, workflowBundle: await bundleWorkflows() });
    await eventually(() => ollama.warmups > warmups, { timeoutMs: 10_000, what: 'the second start to finish preparing' });
    expect(notices()).toHaveLength(1);
  });

  it('still chats: the request carries no tools and the answer arrives', async () => {
    ollama.setReplies({ content: 'plain chat works' });
    const before = bot.replies('local:main').length;
    await bot.post('main', 'hello without tools', { id: 'notools-1' });
    expect((await bot.waitForReplies('local:main', before + 1)).at(-1)!.text).toBe('plain chat works');
    expect(ollama.requests.at(-1)!.tools).toBeUndefined();
    expect((await chatResult(bot, turnWorkflowId('main', 'notools-1'))).stats).toMatchObject({ toolsOffered: false });
  });
});

describe('a thinking model', () => {
  let ollama: OllamaStub;
  let bot: TestBot;

  beforeAll(async () => {
    ollama = await new OllamaStub(['qwen3:8b']).start();
    ollama.capabilities.set('qwen3:8b', ['completion', 'tools', 'thinking']);
    bot = await startTestBot({ ollama, env: { OLLAMA_MODEL: 'qwen3:8b' }, workflowBundle: await bundleWorkflows() });
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('thinks with think: true; the thinking stays out of the chat and shows in the step', async () => {
    ollama.setReplies({ thinking: 'The user asks for the answer. It is 42.', content: '42' });
    await bot.post('main', 'the answer?', { id: 'think-1' });
    expect((await bot.waitForReplies('local:main', 1)).map((m) => m.text)).toEqual(['42']);
    expect(ollama.requests.at(-1)!.think).toBe(true);
    const reply = await chatResult(bot, turnWorkflowId('main', 'think-1'));
    expect(reply).toMatchObject({ content: '42', thinking: 'The user asks for the answer. It is 42.' });
  });
});
