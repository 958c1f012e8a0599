// The model step against the stand-in, which keeps real Ollama's timing (no headers until
// the first token): heartbeats before the first byte, one request per answered step, an
// aborted request on cancel, the context budget, the bounds on a step's tool calls, and
// the pull as a step of its own. tests/real-model/ repeats the essential ones for real.
import { describe, expect, it } from 'vitest';
import { turnWorkflowId } from '../../contracts/ids.js';
import { ALL_TOOLS } from '../../contracts/tools/index.js';
import type { ModelReply } from '../../contracts/types.js';
import { eventually, pendingHeartbeat, stepsOf } from '../support/step-details.js';
import { useTestBot } from '../support/test-bot.js';

const chatResults = async (t: ReturnType<typeof useTestBot>, turn: string) =>
  (await stepsOf(t.bot.client, turn)).filter((s) => s.type === 'chat' && s.result).map((s) => s.result as ModelReply);

describe('the model step', () => {
  const t = useTestBot({ env: { OLLAMA_NUM_CTX: '8192', OLLAMA_NUM_THREAD: '3', OLLAMA_KEEP_ALIVE: '10m', AGENT_MAX_STEPS: '3' } });
  // A chat of its own per test, so one test's replies (or a cancelled turn's) never shift another's count.
  const chat = (name: string) => {
    t.bot.store.addGroup({ folder: name, jid: `local:${name}`, name, triggerWord: null, requiresTrigger: false, isMain: false });
    return name;
  };

  it('sends num_ctx, num_thread, keep_alive and no-truncation explicitly, and warmed the model up at start with the same options', async () => {
    t.ollama.setReplies({ content: 'fine' });
    await t.bot.post('main', 'settings?', { id: 'settings' });
    await t.bot.waitForReplies('local:main', 1);
    const request = t.ollama.requests.at(-1)!;
    expect(request).toMatchObject({ options: { num_ctx: 8192, num_thread: 3 }, keep_alive: '10m', truncate: false, shift: false });
    expect(t.ollama.warmups).toBeGreaterThanOrEqual(1);
    // Ollama reloads a model asked with other runner options: the warm-up loads it as the steps ask,
    // writing one token only.
    const warmup = t.ollama.lastWarmup!;
    expect(warmup.options).toEqual({ ...request.options, num_predict: 1 });
    expect(warmup.keep_alive).toBe('10m');
    // It read the prefix every turn starts with: the system prompt, then the tools every group
    // is shown in the same bytes (main's list begins with them; the tools main sees with more
    // fields, or alone, follow), so this first turn found them in the cache.
    expect(warmup.messages).toEqual([request.messages[0]]);
    const shared = ALL_TOOLS.filter((tool) => !tool.mainOnly && !tool.mainOnlyFields && !tool.needsTask).length;
    expect(shared).toBeGreaterThan(5);
    expect(request.tools!.slice(0, shared)).toEqual(warmup.tools!.slice(0, shared));
    const [reply] = await chatResults(t, turnWorkflowId('main', 'settings'));
    expect(reply.stats).toMatchObject({ numCtx: 8192, trimmedMessages: 0, doneReason: 'stop', toolsOffered: true });
    expect(reply.stats!.promptTokens).toBeGreaterThan(0);
  });

  it('a first token (15 s) slower than the heartbeat timeout (10 s): heartbeats name the phase, answered once, the model asked once', async () => {
    t.ollama.setReplies({ content: 'slow but sure', delayMs: 15_000 });
    const before = t.ollama.requests.length;
    await t.bot.post(chat('slow'), 'take your time', { id: 'slow-1' });
    const turn = turnWorkflowId('slow', 'slow-1');
    const beat = await eventually(
      async () => {
        const details = await pendingHeartbeat(t.bot.client, turn);
        return details?.phase === 'reading prompt' && Number(details.elapsedMs) > 3000 ? details : undefined;
      },
      14_000,
      'heartbeat while reading the prompt',
    );
    console.log('heartbeat before the first byte:', JSON.stringify(beat));
    expect(beat).toMatchObject({ model: 'qwen2.5:7b', numCtx: 8192, tokens: 0 });
    expect(Number(beat.estimatedPromptTokens)).toBeGreaterThan(100);
    const replies = await t.bot.waitForReplies('local:slow', 1, 40_000);
    expect(replies.map((r) => r.text)).toEqual(['slow but sure']);
    expect(t.ollama.requests.length - before).toBe(1);
    const [reply] = await chatResults(t, turn);
    expect(reply.stats!.firstTokenMs).toBeGreaterThanOrEqual(15_000);
    const steps = await stepsOf(t.bot.client, turn);
    expect(steps.filter((s) => s.type === 'chat')).toHaveLength(1);
    expect(steps.some((s) => s.failure)).toBe(false);
  });

  it('a cancelled step aborts its request: the stand-in sees the client go away', async () => {
    t.ollama.setReplies({ content: 'never sent', delayMs: 60_000 });
    const aborted = t.ollama.aborted;
    await t.bot.post(chat('cancel'), 'cancel me', { id: 'cancel-1' });
    const turn = turnWorkflowId('cancel', 'cancel-1');
    await eventually(async () => (t.ollama.inFlight > 0 ? true : undefined), 10_000, 'request in flight');
    const cancelled = performance.now();
    await t.bot.client.workflow.getHandle(turn).cancel();
    await eventually(async () => (t.ollama.aborted > aborted ? true : undefined), 10_000, 'aborted request');
    console.log(`request aborted ${Math.round(performance.now() - cancelled)} ms after the cancel`);
    expect(t.ollama.inFlight).toBe(0);
  });

  it('a conversation longer than num_ctx is trimmed openly: system prompt, the host note, tools and the newest message kept', async () => {
    t.ollama.setScript(() => ({ content: 'ok' }));
    chat('trim');
    for (let i = 0; i < 10; i++) {
      await t.bot.post('trim', `message ${i}: ${'lorem ipsum dolor sit amet '.repeat(75)}`, { id: `trim-${i}` });
      await t.bot.waitForReplies('local:trim', i + 1);
    }
    const last = t.ollama.requests.at(-1)!;
    const history = t.bot.messages('local:trim').length;
    expect(last.messages[0].role).toBe('system');
    // The host's note (which chat, main or not, memory) stays with the system prompt.
    expect(last.messages[1].content).toMatch(/^\[host\] This is the chat "trim"/);
    expect(last.messages.at(-1)!.content).toContain('message 9:');
    expect(last.messages.length - 2).toBeLessThan(history - 1);
    expect(last.tools?.length).toBeGreaterThan(0);
    const [reply] = await chatResults(t, turnWorkflowId('trim', 'trim-9'));
    console.log('trimmed step:', JSON.stringify(reply.stats));
    expect(reply.stats!.trimmedMessages).toBeGreaterThan(0);
    expect(reply.stats!.promptTokens).toBeLessThanOrEqual(8192);
  });

  it('a message that cannot fit at all fails the turn with a message saying so', async () => {
    await t.bot.post(chat('huge'), 'x'.repeat(19_000), { id: 'huge-1' });
    const replies = await t.bot.waitForReplies('local:huge', 1, 20_000);
    expect(replies[0].text).toMatch(/does not fit the model's context.*Raise OLLAMA_NUM_CTX/);
  });

  it("bounds a step's tool calls: at most 8 run, oversized arguments are refused, the model is told", async () => {
    t.ollama.setReplies(
      {
        toolCalls: [
          { name: 'remember', arguments: { note: 'n'.repeat(9000) } },
          ...Array.from({ length: 11 }, (_, i) => ({ name: 'launch_rockets', arguments: { i } })),
        ],
      },
      { content: 'bounded' },
    );
    const before = t.ollama.requests.length;
    await t.bot.post(chat('bounds'), 'many calls', { id: 'bounds-1' });
    expect((await t.bot.waitForReplies('local:bounds', 1)).map((r) => r.text)).toEqual(['bounded']);
    const tools = t.ollama.requests[before + 1].messages.filter((m) => m.role === 'tool').map((m) => m.content);
    expect(tools).toHaveLength(9);
    expect(tools[0]).toContain('over the limit of 8000; not run');
    expect(tools.at(-1)).toContain('only the first 8 tool calls of a step are run; 4 more were not');
    const [first] = await chatResults(t, turnWorkflowId('bounds', 'bounds-1'));
    expect(first.toolCalls).toHaveLength(8);
    expect(first.toolCallsDropped).toBe(4);
    expect(JSON.stringify(first).length).toBeLessThan(4000);
  });

  it('a missing model that cannot be pulled (offline): ModelNotAvailable at once, in the chat and in the run', async () => {
    t.ollama.models.clear();
    t.ollama.pullError =
      'pull model manifest: Get "https://registry.ollama.ai/v2/library/qwen2.5/manifests/7b": dial tcp: lookup registry.ollama.ai: no such host';
    try {
      const began = performance.now();
      await t.bot.post(chat('offline'), 'first use offline', { id: 'offline-1' });
      const [{ text: notice }] = await t.bot.waitForReplies('local:offline', 1, 20_000);
      console.log(`offline pull failed after ${Math.round(performance.now() - began)} ms: ${notice.split('\n')[0]}`);
      expect(notice).toContain('The model qwen2.5:7b is not available in Ollama');
      expect(notice).toContain('looks offline');
      const turn = turnWorkflowId('offline', 'offline-1');
      const types = (await stepsOf(t.bot.client, turn)).map((s) => s.type);
      // Asked once, one pull that failed at once (not retried), no second ask.
      expect(types.filter((type) => type === 'chat')).toHaveLength(1);
      expect(types.filter((type) => type === 'pullModel')).toHaveLength(1);
      const failure = await t.bot.client.workflow.getHandle(turn).result().catch((error: Error & { cause?: { type?: string } }) => error.cause);
      expect(failure).toMatchObject({ type: 'ModelNotAvailable' });
    } finally {
      t.ollama.pullError = undefined;
      t.ollama.models.add('qwen2.5:7b');
    }
  });
});
