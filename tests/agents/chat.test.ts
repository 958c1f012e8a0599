// Background sub-agents on a whole BabyBot (the real channel, store, group workflow and
// delivery; the model stand-in speaking Ollama's HTTP API): the turn answers at once, a quick
// sub-agent's result arrives later as its own message, /agents lists the one still working,
// and /agents stop ends it (its Ollama request closed); the chat is told it was cancelled.
import { describe, expect, it } from 'vitest';
import { closedRun } from '../faults/support/faults.js';
import { eventually } from '../support/eventually.js';
import type { ChatRequestBody } from '../support/ollama-stub.js';
import { useTestBot } from '../support/test-bot.js';

const isSubAgent = (request: ChatRequestBody) => request.messages[1]?.content.includes('You are a sub-agent') ?? false;

describe('background sub-agents in the chat', () => {
  const t = useTestBot();

  it('answer later as messages, and /agents lists and stops them', async () => {
    const { bot, ollama } = t;
    ollama.setScript((request) => {
      const last = request.messages.at(-1)?.content ?? '';
      if (isSubAgent(request)) return last.includes('slow') ? { content: 'too late', delayMs: 120_000 } : { content: `found: ${last}` };
      if (request.messages.at(-1)?.role === 'tool') return { content: 'I have started two researchers on it.' };
      return { toolCalls: [{ name: 'delegate', arguments: { tasks: [{ brief: 'quick research' }, { brief: 'slow research' }], wait: false } }] };
    });
    const { id } = await bot.post('main', 'research this in the background');
    const [quick, slow] = [1, 2].map((n) => `agent:main:${id}:${n}`);
    const first = await bot.waitForReplies('local:main', 2);
    expect(first.map((m) => m.text)).toEqual(['I have started two researchers on it.', 'A sub-agent finished: "quick research"\n\nfound: quick research']);
    expect((await closedRun(bot.client, quick)).status.name).toBe('COMPLETED');

    await bot.post('main', '/agents');
    const listed = (await bot.waitForReplies('local:main', 3)).at(-1)!.text;
    expect(listed).toMatch(/^1 sub-agent\(s\) running/);
    expect(listed).toContain(`${slow} (background, since `);

    const abortedBefore = ollama.aborted;
    await bot.post('main', `/agents stop ${slow}`);
    const replies = await bot.waitForReplies('local:main', 5);
    const last = replies.map((m) => m.text).slice(3);
    expect(last).toContain(`Stopping ${slow}: its steps end, and the chat is told it was cancelled.`);
    expect(last.filter((text) => /^A sub-agent could not finish \(cancelled\): "slow research"\n\nit was stopped before it finished/.test(text))).toHaveLength(1);
    expect((await closedRun(bot.client, slow)).status.name).toBe('CANCELLED');
    await eventually(() => ollama.aborted > abortedBefore, { timeoutMs: 10_000, what: 'the slow sub-agent’s Ollama request to be closed' });
    expect(bot.store.agentsOfTurn(`turn:main:${id}`).map((row) => row.status)).toEqual(['answered', 'cancelled']);
    await bot.groupIdle('main');
    // Each result once: a sixth message never comes.
    expect(bot.replies('local:main')).toHaveLength(5);
  });
});
