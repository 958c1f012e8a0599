// Fault: a turn is run again: Reset to its first workflow task (the Web UI's Reset, `temporal
// workflow reset --type FirstWorkflowTask`) or `babybot retry`. Before: replies were keyed
// `reply:<turn id>` and send_message by the activity id, both the same in the new run, so the
// new run's reply and a different message at the same step were silently dropped while the
// model was told they were sent. Now every side effect is keyed by its run (and its
// content): a new run is a new attempt at the turn and answers again. A Reset of a turn its
// group has moved past is refused (reset-order.test.ts): `babybot retry` runs it in order.
//   - a failed turn, Reset: refused, nothing sent; retried: its one reply (after the one notice);
//   - a completed turn, Reset while its group is idle: refused, nothing sent;
//   - send_message with other text in the retried run: sent.
import { describe, expect, it } from 'vitest';
import { retryRun } from '../../temporal/retry.js';
import { useTestBot } from '../support/test-bot.js';
import { closedRun, resetToFirstWorkflowTask, until } from './support/faults.js';

describe('a Reset from the first workflow task', () => {
  const t = useTestBot();

  it('of a failed turn: a Reset is refused; `babybot retry` answers once', async () => {
    const { bot, ollama } = t;
    ollama.setReplies({ status: 400, error: 'model is broken' });
    const { id } = await bot.post('main', 'first question');
    const turnId = `turn:main:${id}`;
    const failed = await closedRun(bot.client, turnId);
    expect(failed.status.name).toBe('FAILED');
    expect((await bot.waitForReplies('local:main', 1))[0].text).toMatch(/^Sorry, I could not answer that/);

    ollama.setReplies({ content: 'the answer, at last' });
    const resetRun = await resetToFirstWorkflowTask(bot, turnId, failed.runId);
    const refused = await closedRun(bot.client, turnId);
    expect(refused.runId).toBe(resetRun);
    expect(refused.status.name).toBe('FAILED');
    expect(ollama.requests).toHaveLength(1);
    await retryRun(bot.client, turnId);
    const replies = (await bot.waitForReplies('local:main', 2)).map((m) => m.text);
    expect(replies.filter((text) => text === 'the answer, at last')).toHaveLength(1);
    await bot.groupIdle('main');
    expect(bot.replies('local:main')).toHaveLength(2);
    console.log(`failed turn reset, then retried: ${JSON.stringify(replies.map((text) => text.split('\n')[0]))}`);
  });

  it('of a completed turn while its group is idle: refused, nothing sent', async () => {
    const { bot, ollama } = t;
    ollama.setReplies({ content: 'answer of the first run' });
    const { id } = await bot.post('main', 'second question');
    const turnId = `turn:main:${id}`;
    const first = await closedRun(bot.client, turnId);
    expect(first.status.name).toBe('COMPLETED');
    await bot.groupIdle('main');
    const before = bot.replies('local:main').length;
    ollama.setReplies({ content: 'answer of the reset run' });
    const resetRun = await resetToFirstWorkflowTask(bot, turnId, first.runId);
    const refused = await until('the reset run to close', async () => {
      const run = await bot.client.workflow.getHandle(turnId).describe();
      return run.runId === resetRun && run.status.name !== 'RUNNING' ? run : undefined;
    });
    expect(refused.status.name).toBe('FAILED');
    expect(bot.replies('local:main')).toHaveLength(before);
    console.log(`completed turn reset while idle: ${refused.status.name}, replies unchanged (${before})`);
  });

  it('with send_message text that differs from the failed run: the retried run sends it', async () => {
    const { bot, ollama } = t;
    ollama.setReplies({ toolCalls: [{ name: 'send_message', arguments: { text: 'first draft' } }] }, { status: 400, error: 'model is broken' });
    const { id } = await bot.post('main', 'send a draft');
    const turnId = `turn:main:${id}`;
    const first = await closedRun(bot.client, turnId);
    expect(first.status.name).toBe('FAILED');
    ollama.setReplies({ toolCalls: [{ name: 'send_message', arguments: { text: 'second draft' } }] }, { content: 'sent the new draft' });
    await retryRun(bot.client, turnId);
    await until('the retried run to complete', async () => {
      const run = await bot.client.workflow.getHandle(turnId).describe();
      return run.runId !== first.runId && run.status.name === 'COMPLETED';
    });
    const texts = bot.replies('local:main').map((m) => m.text);
    expect(texts.slice(-2)).toEqual(['second draft', 'sent the new draft']);
    expect(texts.filter((text) => text === 'first draft')).toHaveLength(1);
    console.log(`send_message after retry: ${JSON.stringify(texts.slice(-4).map((text) => text.split('\n')[0]))}`);
  });
});
