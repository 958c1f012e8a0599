// BabyBot against a real Ollama and a real (tiny) model: real streaming, real `done`
// statistics, real capability checks, a real pull that cannot reach the registry, a real
// request cancelled mid-generation. Few and cheap: each model step of BabyBot's own prompt
// costs tens of seconds on this CPU, and that slowness is the point of the first test.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { turnWorkflowId } from '../../contracts/ids.js';
import type { ModelReply, ModelStepStats } from '../../contracts/types.js';
import { eventually, pendingHeartbeat, stepsOf } from '../support/step-details.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { haveRealOllama, holdRealOllama, OllamaLog, realOllama } from './support.js';

const available = haveRealOllama();

// A test's own limit is generous: on a shared 2-core machine BabyBot's first step took from
// ~30 s (idle) to over 5 minutes (load average 20).
describe.skipIf(!available)('a real Ollama', { timeout: 600_000 }, () => {
  let bot: TestBot | undefined;
  const start = async (env: Record<string, string>) => {
    await bot?.stop();
    bot = await startTestBot({
      ollama: { url: realOllama.url },
      // No warm-up: each test counts Ollama's own requests.
      env: { OLLAMA_MODEL: realOllama.model, OLLAMA_WARMUP: 'off', OLLAMA_KEEP_ALIVE: '10m', AGENT_MAX_STEPS: '2', ...env },
      workflowBundle: await bundleWorkflows(),
    });
    return bot;
  };
  let release: (() => void) | undefined;
  beforeAll(async () => {
    release = await holdRealOllama();
  }, 1_600_000);
  afterAll(async () => {
    await bot?.stop();
    release?.();
  });
  const chatSteps = async (b: TestBot, turn: string) =>
    (await stepsOf(b.client, turn)).filter((s) => s.type === 'chat');

  it('answers a message end to end: first token after the heartbeat timeout, asked once per step, real statistics', async () => {
    const b = await start({});
    // BabyBot's own prompt is ~1,100 tokens since issue 26, which the tiny model can read in
    // under 10 s: a long memory (~3,000 tokens more) keeps the first token well past the
    // heartbeat timeout, which is what this test is about.
    const memory = Array.from({ length: 150 }, (_, i) => `- Fact ${i + 1}: the owner's item number ${i + 1} is kept in box ${(i * 7) % 13}.`);
    fs.mkdirSync(path.join(b.config.groupsDir, 'main'), { recursive: true });
    fs.writeFileSync(path.join(b.config.groupsDir, 'main', 'MEMORY.md'), memory.join('\n'));
    const log = new OllamaLog();
    const phases = new Set<string>();
    const began = performance.now();
    await b.post('main', 'Say hello in one short sentence.', { id: 'real-1' });
    const turn = turnWorkflowId('main', 'real-1');
    const watching = (async () => {
      while (b.replies('local:main').length === 0 && performance.now() - began < 580_000) {
        const beat = await pendingHeartbeat(b.client, turn);
        if (typeof beat?.phase === 'string') phases.add(beat.phase);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const [reply] = await b.waitForReplies('local:main', 1, 580_000);
    await watching;
    const steps = await chatSteps(b, turn);
    const results = steps.map((s) => s.result as ModelReply);
    console.log(`reply after ${Math.round(performance.now() - began)} ms: ${JSON.stringify(reply.text.slice(0, 200))}`);
    console.log('phases seen in the heartbeats:', [...phases].join(', '));
    for (const r of results) console.log('step stats:', JSON.stringify(r.stats));
    console.log("Ollama's own request lines:\n" + log.requests('/api/chat').map((l) => `  ${l.line}`).join('\n'));
    expect(steps.length).toBeGreaterThanOrEqual(1);
    expect(steps.every((s) => s.result && !s.failure)).toBe(true);
    const first = results[0].stats!;
    // BabyBot's prompt and the memory: tens of seconds before the first token, past the 10 s heartbeat timeout.
    expect(first.firstTokenMs).toBeGreaterThan(10_000);
    expect(first).toMatchObject({ toolsOffered: true, numCtx: 8192, trimmedMessages: 0 });
    expect(first.promptTokens).toBeGreaterThan(1000);
    expect(first.evalTokens).toBeGreaterThan(0);
    expect(first.tokensPerSecond).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(first.doneReason);
    expect(phases.has('reading prompt') || phases.has('loading')).toBe(true);
    // From Ollama's side: one /api/chat per model step, each answered 200: nothing was asked twice.
    const chats = log.requests('/api/chat');
    expect(chats).toHaveLength(steps.length);
    expect(chats.every((l) => l.status === 200)).toBe(true);
  });

  it('a model without tools: chats without them, and the owner is told once which model has them', async () => {
    const b = await start({ OLLAMA_MODEL: realOllama.noToolsModel });
    const log = new OllamaLog();
    const notice = await eventually(
      async () => b.replies('local:main').find((m) => m.text.includes('cannot call tools')),
      30_000,
      'the no-tools notice',
    );
    console.log('owner notice:', notice.text);
    await b.post('main', 'Say hi.', { id: 'notools-1' });
    const replies = await b.waitForReplies('local:main', 2, 580_000);
    const [step] = await chatSteps(b, turnWorkflowId('main', 'notools-1'));
    const stats = (step.result as ModelReply).stats!;
    console.log(`reply: ${JSON.stringify(replies.at(-1)!.text.slice(0, 200))}; stats: ${JSON.stringify(stats)}`);
    expect(stats.toolsOffered).toBe(false);
    // Ollama would have answered 400 to tools; it answered the chat.
    expect(log.requests('/api/chat').map((l) => l.status)).toEqual([200]);
    expect(b.replies('local:main').filter((m) => m.text.includes('cannot call tools'))).toHaveLength(1);
  });

  it('a missing model that cannot be pulled: ModelNotAvailable in the chat and in the run, at once', async () => {
    const b = await start({ OLLAMA_MODEL: 'babybot-missing:latest', OLLAMA_PULL: 'on' });
    const log = new OllamaLog();
    const began = performance.now();
    await b.post('main', 'hello?', { id: 'missing-1' });
    const [notice] = await b.waitForReplies('local:main', 1, 120_000);
    const turn = turnWorkflowId('main', 'missing-1');
    const failure = await b.client.workflow
      .getHandle(turn)
      .result()
      .catch((error: Error & { cause?: { type?: string; message?: string } }) => error.cause);
    console.log(`notice after ${Math.round(performance.now() - began)} ms: ${notice.text}`);
    console.log(`run failure: ${failure?.type}: ${failure?.message}`);
    console.log("Ollama's own request lines:\n" + log.requests().map((l) => `  ${l.line}`).join('\n'));
    expect(notice.text).toContain('The model babybot-missing:latest is not available in Ollama');
    expect(failure).toMatchObject({ type: 'ModelNotAvailable' });
    expect(log.requests('/api/pull')).toHaveLength(1);
  });

  it('a step cancelled mid-generation: the request to Ollama ends, as its own log shows', async () => {
    // The 0.5B writes a long story for a minute or more on this CPU. The tiny model's whole
    // answer took ~4 s: under CI's load its writing fell between two heartbeats (every 2 s),
    // the test never saw it (CI, 2026-12-07), and a request that short ends by itself anyway.
    const b = await start({ OLLAMA_MODEL: realOllama.toolModel, OLLAMA_PULL: 'off' });
    const log = new OllamaLog();
    await b.post('main', 'Write a very long story about a dragon and a lighthouse, at least two thousand words.', { id: 'cancel-1' });
    const turn = turnWorkflowId('main', 'cancel-1');
    const beat = await eventually(
      async () => {
        const details = await pendingHeartbeat(b.client, turn);
        return details?.phase === 'writing' && Number(details.tokens) > 0 ? details : undefined;
      },
      200_000,
      'a heartbeat while writing',
    );
    console.log('heartbeat when cancelled:', JSON.stringify(beat));
    expect(log.requests('/api/chat')).toHaveLength(0); // still running inside Ollama
    const cancelled = performance.now();
    await b.client.workflow.getHandle(turn).cancel();
    const [ended] = await eventually(async () => {
      const lines = log.requests('/api/chat');
      return lines.length ? lines : undefined;
    }, 30_000, "Ollama's log line for the ended request");
    console.log(`Ollama ended the request ${Math.round(performance.now() - cancelled)} ms after the cancel: ${ended.line}`);
    // Ollama logs a request when it ends (its status is the 200 already sent with the first
    // token): the line appears within seconds of the cancel, not when the story is done.
    expect(performance.now() - cancelled).toBeLessThan(30_000);
    expect(ended.path).toBe('/api/chat');
  });

  // Its first turn reads BabyBot's whole prompt: 4m54s on this machine under load, so longer limits.
  it("a group's next turn reads only what is new: the system prompt, tools and history are Ollama's cached prefix", { timeout: 1_500_000 }, async () => {
    const b = await start({ AGENT_MAX_STEPS: '1', MODEL_TIMEOUT: '15m' });
    b.store.addGroup({ folder: 'cache', jid: 'local:cache', name: 'cache', triggerWord: null, requiresTrigger: false, isMain: false });
    const stats: ModelStepStats[] = [];
    for (const [i, text] of ['What is the capital of France?', 'And of Italy?'].entries()) {
      await b.post('cache', text, { id: `cache-${i}` });
      await b.waitForReplies('local:cache', i + 1, 900_000);
      const [step] = await chatSteps(b, turnWorkflowId('cache', `cache-${i}`));
      stats.push((step.result as ModelReply).stats!);
      console.log(`turn ${i + 1}: ${JSON.stringify(stats[i])}`);
    }
    const [first, second] = stats;
    // prompt_eval_count is the whole prompt; prompt_eval_duration only what was not in the cache.
    expect(second.promptTokens).toBeGreaterThan(first.promptTokens);
    const perToken = (s: ModelStepStats) => s.promptMs / s.promptTokens;
    console.log(`prompt reading: ${first.promptMs} ms for ${first.promptTokens} tokens, then ${second.promptMs} ms for ${second.promptTokens} (${Math.round((second.promptMs / first.promptMs) * 100)} %)`);
    // Without the cache each token costs about the same in both turns (a ratio near 1). With
    // it the second turn reads only its ~100 new tokens, but with the ~1,100-token prompt of
    // 2026-12-07 a fixed cost per request weighs more: CI measured 0.34 of the first turn's
    // cost per token (0.10 with the old 2,260 tokens), so the line is drawn at half.
    expect(perToken(second)).toBeLessThan(perToken(first) / 2);
  });
});
