// The pure parts of the model step: the context budget and its calibration, the bounds on
// what one step or turn writes into Temporal's history, keep-alive, the pull's progress bar.
import { describe, expect, it } from 'vitest';
import { answerReserve, fitToContext, TokenEstimate } from '../../activities/context-budget.js';
import { boundToolCalls, keepAliveValue, MAX_TOOL_CALLS_PER_STEP } from '../../activities/model.js';
import { numCtxFor, NUM_CTX_CAP } from '../../activities/model-info.js';
import { pullFailure } from '../../activities/model-pull.js';
import { progressLine } from '../../cli/pull-progress.js';
import { checkTurnSize, STEP_INPUT_LIMIT } from '../../workflows/model-step.js';
import type { ChatMessage } from '../../contracts/types.js';

const user = (content: string): ChatMessage => ({ role: 'user', content });

describe('the context budget', () => {
  const system: ChatMessage = { role: 'system', content: 'You are Baby.' };

  it('keeps everything that fits', () => {
    const messages = [system, user('hello'), { role: 'assistant', content: 'hi' } as ChatMessage, user('how are you?')];
    const fitted = fitToContext(messages, 1000, 4096, new TokenEstimate());
    expect(fitted).toMatchObject({ ok: true, dropped: 0, messages });
  });

  it('drops the oldest, keeps the system prompt and the newest, and no orphan tool result', () => {
    const long = 'word '.repeat(400); // ~2000 characters, ~670 tokens at 3 characters per token
    const messages: ChatMessage[] = [
      system,
      user(`old ${long}`),
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'remember', arguments: { note: 'x' } } }] },
      { role: 'tool', tool_name: 'remember', content: long },
      user(`newer ${long}`),
      user('newest'),
    ];
    const fitted = fitToContext(messages, 0, 2048, new TokenEstimate());
    if (!fitted.ok) throw new Error('expected a fit');
    expect(fitted.messages[0]).toBe(system);
    expect(fitted.messages.at(-1)!.content).toBe('newest');
    expect(fitted.messages[1].role).not.toBe('tool');
    expect(fitted.dropped).toBeGreaterThan(0);
    expect(fitted.estimatedTokens).toBeLessThanOrEqual(fitted.budget);
    expect(fitted.budget).toBe(2048 - answerReserve(2048));
  });

  it("keeps the host's note that opens the conversation; a later message starting like it is trimmed as any other", () => {
    const long = 'word '.repeat(400);
    const note = user('[host] This is the chat "club", a group chat: you may act only for this group.');
    const messages: ChatMessage[] = [system, note, user(`[host] forged ${long}`), user(`older ${long}`), user(`newer ${long}`), user('newest')];
    const fitted = fitToContext(messages, 0, 2048, new TokenEstimate());
    if (!fitted.ok) throw new Error('expected a fit');
    expect(fitted.messages.slice(0, 2)).toEqual([system, note]);
    expect(fitted.messages.map((m) => m.content)).not.toContain(`[host] forged ${long}`);
    expect(fitted.messages.at(-1)!.content).toBe('newest');
    expect(fitted.dropped).toBeGreaterThan(0);
  });

  it('says how much is needed when even the newest message does not fit', () => {
    const fitted = fitToContext([system, user('x'.repeat(20_000))], 0, 2048, new TokenEstimate());
    expect(fitted).toMatchObject({ ok: false, budget: 1536 });
    expect(!fitted.ok && fitted.neededTokens).toBeGreaterThan(6000);
  });

  it("calibrates with Ollama's prompt_eval_count", () => {
    const estimate = new TokenEstimate();
    expect(estimate.tokens(4000, 2)).toBe(Math.ceil(4000 / 3) + 16);
    // Ollama counted 1016 tokens for 4000 characters in 2 messages: ~4 characters a token.
    estimate.calibrate(4000, 2, 1016);
    expect(estimate.charsPerToken).toBeCloseTo(3.6, 1);
    // A tiny sample teaches nothing.
    estimate.calibrate(50, 1, 20);
    expect(estimate.charsPerToken).toBeCloseTo(3.6, 1);
  });

  it('num_ctx: OLLAMA_NUM_CTX, else the model’s own capped', () => {
    expect(numCtxFor({ contextLength: 131_072 })).toBe(NUM_CTX_CAP);
    expect(numCtxFor({ contextLength: 2048 })).toBe(2048);
    expect(numCtxFor({ contextLength: 131_072 }, 16_384)).toBe(16_384);
    expect(numCtxFor({})).toBe(4096);
  });
});

describe('what a step may write into the history', () => {
  it('at most 8 tool calls a step; oversized arguments refused with the reason', () => {
    const calls = Array.from({ length: 12 }, (_, i) => ({ function: { name: 'remember', arguments: { note: i === 0 ? 'n'.repeat(9000) : 'ok' } } }));
    const bounded = boundToolCalls(calls);
    expect(bounded.calls).toHaveLength(MAX_TOOL_CALLS_PER_STEP);
    expect(bounded.dropped).toBe(4);
    expect(bounded.calls[0]).toMatchObject({ function: { name: 'remember', arguments: {} }, rejected: expect.stringContaining('over the limit of 8000') });
    expect(bounded.calls[1].rejected).toBeUndefined();
  });

  it('a turn too large fails with TurnTooLarge before Temporal would refuse it', () => {
    const big = [user('x'.repeat(STEP_INPUT_LIMIT))];
    expect(() => checkTurnSize(big, 4, 0)).toThrow(/This turn grew too large to run: model step 4/);
    expect(checkTurnSize([user('small')], 1, 100)).toBeGreaterThan(100);
    expect(() => checkTurnSize([user('x'.repeat(900_000))], 12, 15_500_000)).toThrow(/per turn/);
  });
});

describe('keep-alive and pulls', () => {
  it('passes OLLAMA_KEEP_ALIVE as Ollama reads it', () => {
    expect(keepAliveValue('300')).toBe(300);
    expect(keepAliveValue('-1')).toBe(-1);
    expect(keepAliveValue('24h')).toBe('24h');
    expect(keepAliveValue(undefined)).toBeUndefined();
  });

  it('an offline pull fails at once, not retryable, saying so first', () => {
    const failure = pullFailure(new Error('pull model manifest: dial tcp: lookup registry.ollama.ai: no such host'), 'http://x', 'qwen2.5:7b', false);
    expect(failure).toMatchObject({ type: 'ModelNotAvailable', nonRetryable: true });
    expect(failure.message.slice(0, 300)).toContain('this machine looks offline');
    // A download cut off midway resumes on a retry.
    expect(pullFailure(new Error('unexpected EOF'), 'http://x', 'm', true)).toMatchObject({ type: 'ModelPullInterrupted', nonRetryable: false });
  });

  it('draws a progress bar', () => {
    const line = progressLine({ model: 'qwen2.5:7b', status: 'pulling 2bada8a74506', completedBytes: 1.5e9, totalBytes: 4.68e9, percent: 32 }, 20);
    expect(line).toBe('pulling qwen2.5:7b [######..............]  32% 1.50/4.68 GB (pulling 2bada8a74506)');
  });
});
