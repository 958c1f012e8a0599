import { describe, expect, it } from 'vitest';

import { eventually } from '../support/eventually.js';
import { useTestBot } from '../support/test-bot.js';

describe('when the model fails', () => {
  const t = useTestBot();

  it('Ollama down for a while, then back: the turn completes with one reply', async () => {
    await t.ollama.down();
    await t.bot.post('main', 'are you there?', { id: 'while-down' });
    const handle = t.bot.client.workflow.getHandle('turn:main:while-down');
    // Temporal shows the model step failing and being retried: the turn is stuck before its reply.
    await eventually(
      async () => {
        const steps = (await handle.describe().catch(() => undefined))?.raw.pendingActivities ?? [];
        return steps.some((step) => step.activityType?.name === 'chat' && (step.attempt ?? 0) >= 2);
      },
      { timeoutMs: 20_000, what: 'the model step to be retried while Ollama is down' },
    );
    expect(t.bot.replies('local:main')).toHaveLength(0);
    await t.ollama.up();
    const replies = await t.bot.waitForReplies('local:main', 1, 40_000);
    expect(replies.map((r) => r.text)).toEqual(['echo: user: are you there?']);
    await handle.result();
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    await t.bot.groupIdle('main');
    expect(t.bot.replies('local:main')).toHaveLength(1);
  });

  it('a non-retryable model error: the turn fails visibly and the user gets the reason and the run id', async () => {
    t.ollama.setReplies({ status: 400, error: 'invalid tool schema' });
    await t.bot.post('main', 'break please', { id: 'broken-1' });
    const replies = await t.bot.waitForReplies('local:main', 2);
    const notice = replies.at(-1)!.text;
    expect(notice).toContain('Sorry, I could not answer that: Ollama rejected the request (400): invalid tool schema');
    expect(notice).toContain('Run: turn:main:broken-1');
    const handle = t.bot.client.workflow.getHandle('turn:main:broken-1');
    const failure = await handle.result().catch((error: Error & { cause?: Error & { type?: string } }) => error);
    expect((await handle.describe()).status.name).toBe('FAILED');
    expect((failure as Error & { cause?: { type?: string; message?: string } }).cause).toMatchObject({
      type: 'ModelRequestRejected',
      message: expect.stringContaining('Ollama rejected the request (400)'),
    });
    // One attempt only: a 4xx is not retried.
    expect(t.ollama.requests.filter((r) => r.messages.some((m) => m.content.includes('break please')))).toHaveLength(1);
    // The group goes on answering.
    t.ollama.setReplies({ content: 'back to normal' });
    await t.bot.post('main', 'and now?');
    expect((await t.bot.waitForReplies('local:main', 3)).at(-1)!.text).toBe('back to normal');
  });

  it('a model that is not pulled is pulled, then answers', async () => {
    t.ollama.models.clear();
    t.ollama.setReplies({ content: 'pulled and ready' });
    await t.bot.post('main', 'first use');
    expect((await t.bot.waitForReplies('local:main', 4)).at(-1)!.text).toBe('pulled and ready');
    expect(t.ollama.models.has('qwen2.5:7b')).toBe(true);
  });
});
