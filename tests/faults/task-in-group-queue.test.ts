// Fault: a task falls due while a message turn of its group runs. Before: the Schedule
// started the task's turn directly, beside the message turn (same container, same memory,
// interleaved replies). Now it is a job in the group's queue: it runs after the turn; and
// the task run stays open until its turn has ended, so a firing due while it is still
// queued is skipped by the Schedule's overlap policy (SKIP), exactly as for a running one.
import { describe, expect, it } from 'vitest';
import { lastUserText } from '../support/ollama-stub.js';
import { useTestBot } from '../support/test-bot.js';
import { OWNER, pause, tasksOf, until } from './support/faults.js';

describe('a task due during a turn', () => {
  const t = useTestBot();

  it('runs after the turn, never beside it; a firing due while it is queued is skipped', async () => {
    const { bot, ollama } = t;
    const tasks = tasksOf(bot);
    const task = await tasks.create(OWNER, { group: 'main', prompt: 'water the plants', when: { every: '1d' } }, 'plants');
    ollama.setScript((request) =>
      lastUserText(request).includes('water the plants') ? { content: 'task done' } : { content: 'turn done', delayMs: 3000 },
    );
    await bot.post('main', 'a long question');
    await until('the turn to be thinking', () => ollama.inFlight === 1);
    await tasks.trigger(OWNER, task.id); // due now, while the turn thinks: queued behind it
    await pause(300);
    await tasks.trigger(OWNER, task.id); // due again while the first run is still queued: skipped
    const replies = await bot.waitForReplies('local:main', 2, 30_000);
    expect(replies.map((m) => m.text)).toEqual(['turn done', 'task done']);
    expect(ollama.maxInFlight).toBe(1);
    await pause(1500);
    expect(bot.replies('local:main')).toHaveLength(2);
    const schedule = await bot.client.schedule.getHandle(task.id).describe();
    expect(schedule.info.numActionsSkippedOverlap).toBe(1);
    console.log(`replies in order: ${JSON.stringify(replies.map((m) => m.text))}; model calls at once at most ${ollama.maxInFlight}; skipped ${schedule.info.numActionsSkippedOverlap}`);
  });
});
