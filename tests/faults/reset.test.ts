// Fault: a turn is Reset to its first workflow task (the Web UI's Reset, `temporal workflow
// reset --type FirstWorkflowTask`). Before: replies were keyed `reply:<turn id>` and
// send_message by the activity id, both the same in the new run, so the reset run's reply
// and a different message at the same step were silently dropped while the model was told
// they were sent. Now every side effect is keyed by its run (and its content), and the
// behaviour is defined: a reset run is a new attempt at the turn and answers again.
//   - a failed turn, reset: its one reply (after the one failure notice);
//   - a completed turn, reset: a second reply, the new run's, as a new message;
//   - send_message with other text in the new run: sent.
import { describe, expect, it } from 'vitest';
import { useTestBot } from '../support/test-bot.js';
import { closedRun, resetToFirstWorkflowTask, until } from './support/faults.js';

describe('a Reset from the first workflow task', () => {
  const t = useTestBot();

  it('of a failed turn: one reply', async () => {
    const { bot, ollama } = t;
    ollama.setReplies({ status: 400, error: 'model is broken' });
    const { id } = await bot.post('main', 'first question');
    const turnId = `turn:main:${id}`;
    const failed = await closedRun(bot.client, turnId);
    expect(failed.status.name).toBe('FAILED');
    expect((await bot.waitForReplies('local:main', 1))[0].text).toMatch(/^Sorry, I could not answer that/);

    ollama.setReplies({ content: 'the answer, at last' });
    const newRun = await resetToFirstWorkflowTask(bot, turnId, failed.runId);
    const done = await closedRun(bot.client, turnId);
    expect(done.runId).toBe(newRun);
    expect(done.status.name).toBe('COMPLETED');
    const replies = (await bot.waitForReplies('local:main', 2)).map((m) => m.text);
    expect(replies.filter((text) => text === 'the answer, at last')).toHaveLength(1);
    console.log(`failed turn reset: ${JSON.stringify(replies.map((text) => text.split('\n')[0]))}`);
  });

  it('of a completed turn: the new run answers again, as a new message', async () => {
    const { bot, ollama } = t;
    ollama.setReplies({ content: 'answer of the first run' });
    const { id } = await bot.post('main', 'second question');
    const turnId = `turn:main:${id}`;
    const first = await closedRun(bot.client, turnId);
    expect(first.status.name).toBe('COMPLETED');
    ollama.setReplies({ content: 'answer of the reset run' });
    await resetToFirstWorkflowTask(bot, turnId, first.runId);
    await until('the reset run to complete', async () => {
      const run = await bot.client.workflow.getHandle(turnId).describe();
      return run.runId !== first.runId && run.status.name === 'COMPLETED';
    });
    const texts = bot.replies('local:main').map((m) => m.text);
    expect(texts.slice(-2)).toEqual(['answer of the first run', 'answer of the reset run']);
    const ids = bot.replies('local:main').slice(-2).map((m) => m.id);
    expect(new Set(ids).size).toBe(2);
    console.log(`completed turn reset: ${JSON.stringify(texts.slice(-2))}`);
  });

  it('with send_message text that differs from the first run: sent', async () => {
    const { bot, ollama } = t;
    ollama.setReplies({ toolCalls: [{ name: 'send_message', arguments: { text: 'first draft' } }] }, { content: 'sent the draft' });
    const { id } = await bot.post('main', 'send a draft');
    const turnId = `turn:main:${id}`;
    const first = await closedRun(bot.client, turnId);
    expect(first.status.name).toBe('COMPLETED');
    ollama.setReplies({ toolCalls: [{ name: 'send_message', arguments: { text: 'second draft' } }] }, { content: 'sent the new draft' });
    await resetToFirstWorkflowTask(bot, turnId, first.runId);
    await until('the reset run to complete', async () => {
      const run = await bot.client.workflow.getHandle(turnId).describe();
      return run.runId !== first.runId && run.status.name === 'COMPLETED';
    });
    const texts = bot.replies('local:main').map((m) => m.text);
    expect(texts.slice(-4)).toEqual(['first draft', 'sent the draft', 'second draft', 'sent the new draft']);
    console.log(`send_message after reset: ${JSON.stringify(texts.slice(-4))}`);
  });
});
