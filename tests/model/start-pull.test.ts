// A model that is not in Ollama when BabyBot starts: pulled at once with its progress
// shown; offline, the owner is told in the main chat how to import a GGUF file and each
// message is answered with the same advice (stored, never lost); a pull cut off midway is
// tried again, then the owner is told it resumes. The stand-in speaks Ollama's pull stream.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PullProgress } from '../../activities/model-pull.js';
import { eventually } from '../support/eventually.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';

describe('pulling the model at start', { timeout: 90_000 }, () => {
  let ollama: OllamaStub | undefined;
  let bot: TestBot | undefined;
  afterEach(async () => {
    await bot?.stop();
    await ollama?.close();
    bot = undefined;
  });
  afterAll(async () => ollama?.close());

  const start = async (setUp: (stub: OllamaStub) => void) => {
    ollama = await new OllamaStub([]).start();
    setUp(ollama);
    const progress: PullProgress[] = [];
    bot = await startTestBot({ ollama, env: { OLLAMA_WARMUP: 'off' }, pullProgress: (p) => progress.push(p) });
    return { bot, progress };
  };

  it('pulls a missing model with its progress, and the first message is answered by it', async () => {
    const { bot, progress } = await start(() => {});
    await eventually(() => progress.some((p) => p.status === 'success'), { timeoutMs: 30_000, what: 'the pull to succeed' });
    expect(progress.map((p) => p.percent).filter((p) => p !== undefined)).toEqual([0, 50, 100, 100]);
    await bot.post('main', 'hello', { id: 'after-pull' });
    const [reply] = await bot.waitForReplies('local:main', 1);
    expect(reply.text).toBe('echo: user: hello');
  });

  it('offline: the owner is told how to import a GGUF file, and a message gets the same advice and stays stored', async () => {
    const { bot } = await start((stub) => {
      stub.pullError = 'pull model manifest: Get "https://registry.ollama.ai/v2/library/qwen2.5/manifests/7b": dial tcp: lookup registry.ollama.ai: no such host';
    });
    const [told] = await bot.waitForReplies('local:main', 1);
    expect(told.text).toMatch(/^The model qwen2\.5:7b is not available in Ollama, and this machine looks offline/);
    expect(told.text.slice(0, 300)).toContain('`babybot model import FILE` creates qwen2.5:7b from it');
    await bot.post('main', 'are you there?', { id: 'offline-1' });
    const replies = await bot.waitForReplies('local:main', 2, 60_000);
    expect(replies[1].text).toContain('babybot model import FILE');
    expect(bot.messages('local:main').some((m) => !m.fromAssistant && m.text.includes('are you there?'))).toBe(true);
  });

  it('a pull cut off midway is tried again, then the owner is told it resumes and how to import instead', async () => {
    const { bot, progress } = await start((stub) => {
      stub.pullMidwayError = 'read tcp 127.0.0.1:51234->104.21.75.227:443: read: connection reset by peer';
    });
    const [told] = await bot.waitForReplies('local:main', 1, 60_000);
    expect(told.text).toMatch(/^Pulling the model qwen2\.5:7b stopped midway 3 times/);
    expect(told.text).toContain('What was downloaded is kept');
    expect(told.text).toContain('babybot model import FILE');
    expect(progress.filter((p) => p.percent === 50)).toHaveLength(3);
  });
});
