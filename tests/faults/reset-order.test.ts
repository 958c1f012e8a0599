// Fault: a person Resets a turn from the Web UI after its group has moved on. Before: the
// reset run ran at once, beside the group's current turn (two model steps of one group at
// the same time, two answers interleaved in the chat), outside the group's order. Now a run
// that is not its turn's first checks at its first channel step that the group names it as
// its current turn; the group does not, so it is refused there, having done nothing, with a
// message saying to use `babybot retry`, which runs the turn again in the group's order.
// A turn terminated while it runs told no one before (its code never runs again): its group
// now tells the chat, once, and goes on with its queue.
import { describe, expect, it } from 'vitest';
import { closingReason } from '../../temporal/runs.js';
import { retryRun } from '../../temporal/retry.js';
import { useTestBot } from '../support/test-bot.js';
import { closedRun, resetToFirstWorkflowTask, until } from './support/faults.js';

describe('a Web UI Reset of a turn its group has moved past', () => {
  const t = useTestBot();

  it('is refused while another turn runs, saying to use `babybot retry`; no two turns run at once', async () => {
    const { bot, ollama } = t;
    ollama.setReplies({ content: 'first answer' });
    const { id } = await bot.post('main', 'first question');
    const turnId = `turn:main:${id}`;
    const first = await closedRun(bot.client, turnId);
    expect(first.status.name).toBe('COMPLETED');
    await bot.waitForReplies('local:main', 1);

    ollama.setReplies({ content: 'second answer', delayMs: 3000 });
    await bot.post('main', 'second question');
    await until('the second turn to be thinking', () => ollama.inFlight === 1);
    const resetRun = await resetToFirstWorkflowTask(bot, turnId, first.runId);
    const refused = await until('the reset run to close', async () => {
      const run = await bot.client.workflow.getHandle(turnId).describe();
      return run.runId === resetRun && run.status.name !== 'RUNNING' ? run : undefined;
    });
    expect(refused.status.name).toBe('FAILED');
    const cause = await closingReason(bot.client, turnId, resetRun);
    expect(cause).toMatch(/^TurnOutOfOrder: This run is a Reset of turn:main:.*it runs turn:main:.*use `babybot retry turn:main:/);

    const replies = await bot.waitForReplies('local:main', 2);
    await bot.groupIdle('main');
    expect(replies.map((m) => m.text)).toEqual(['first answer', 'second answer']);
    expect(ollama.maxInFlight).toBe(1);
    expect(ollama.requests).toHaveLength(2);

    // What the refusal says to do works: the turn runs again in the group's order.
    ollama.setReplies({ content: 'first answer, again' });
    await retryRun(bot.client, turnId);
    await bot.waitForReplies('local:main', 3);
    expect(bot.replies('local:main').map((m) => m.text)).toEqual(['first answer', 'second answer', 'first answer, again']);
    console.log(`reset refused: ${cause}; replies ${JSON.stringify(bot.replies('local:main').map((m) => m.text))}; model calls at once at most ${ollama.maxInFlight}`);
  });

  it('of the turn the group runs now goes through: the group waits for the new run, one answer', async () => {
    const { bot, ollama } = t;
    const before = bot.replies('local:main').length;
    ollama.setReplies({ content: 'slow answer', delayMs: 2000 });
    const { id } = await bot.post('main', 'third question');
    const turnId = `turn:main:${id}`;
    await until('the turn to be thinking', () => ollama.inFlight === 1);
    const { runId } = await bot.client.workflow.getHandle(turnId).describe();
    ollama.setReplies({ content: 'answer of the reset run' });
    const resetRun = await resetToFirstWorkflowTask(bot, turnId, runId);
    const done = await closedRun(bot.client, turnId);
    expect(done.runId).toBe(resetRun);
    expect(done.status.name).toBe('COMPLETED');
    await bot.groupIdle('main');
    const texts = bot.replies('local:main').slice(before).map((m) => m.text);
    expect(texts).toEqual(['answer of the reset run']);
    console.log(`running turn reset: ${JSON.stringify(texts)}`);
  });

  it('a terminate of the running turn: the group tells the chat once and goes on', async () => {
    const { bot, ollama } = t;
    // The reset run above left its first run's model call to finish at the stand-in.
    await until('no model call in flight', () => ollama.inFlight === 0);
    const before = bot.replies('local:main').length;
    ollama.setReplies({ content: 'never sent', delayMs: 3000 });
    const { id } = await bot.post('main', 'fourth question');
    const turnId = `turn:main:${id}`;
    await until('the turn to be thinking', () => ollama.inFlight === 1);
    await bot.client.workflow.getHandle(turnId).terminate('fault test: a person terminates the turn');
    const notice = await until('the chat to be told', () => bot.replies('local:main').slice(before).at(0));
    expect(notice.text).toMatch(/^Sorry, I could not answer that: the run was terminated .*babybot retry turn:main:/);
    ollama.setReplies({ content: 'fifth answer' });
    await bot.post('main', 'fifth question');
    await bot.waitForReplies('local:main', before + 2);
    await bot.groupIdle('main');
    const texts = bot.replies('local:main').slice(before).map((m) => m.text.split('\n')[0]);
    expect(texts).toHaveLength(2);
    expect(texts[1]).toBe('fifth answer');
    console.log(`terminated turn: ${JSON.stringify(texts)}`);
  });
});
