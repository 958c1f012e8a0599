// Fault: a task run's job is queued in its group, and the group's workflow is terminated (or
// reset, or migrated) before it runs it. Before: the task run waited up to 48 h for a jobDone
// signal that never came, and with overlap SKIP every firing meanwhile was skipped. Now the
// run checks every GROUP_JOB_CHECK (2 s here) that the group still holds its job, queues it
// again when it does not, and ends as its turn did; the next firing runs.
import { describe, expect, it } from 'vitest';
import { groupWorkflowId } from '../../contracts/ids.js';
import { queueQuery } from '../../workflows/group.js';
import { lastUserText } from '../support/ollama-stub.js';
import { useTestBot } from '../support/test-bot.js';
import { OWNER, closedRun, tasksOf, until } from './support/faults.js';

describe('a task whose group is terminated while its job is queued', () => {
  const t = useTestBot({ env: { GROUP_JOB_CHECK: '2s' } });

  it('does not wait for a signal that never comes; the next firing is not skipped', async () => {
    const { bot, ollama } = t;
    const tasks = tasksOf(bot);
    const task = await tasks.create(OWNER, { group: 'main', prompt: 'water the plants', when: { every: '1d' } }, 'lost');
    ollama.setScript((request) =>
      lastUserText(request).includes('water the plants') ? { content: 'task done' } : { content: 'turn done', delayMs: 3000 },
    );
    await bot.post('main', 'a long question');
    await until('the turn to be thinking', () => ollama.inFlight === 1);
    const schedule = bot.client.schedule.getHandle(task.id);
    await tasks.trigger(OWNER, task.id);
    const group = bot.client.workflow.getHandle(groupWorkflowId('main'));
    await until('the task job to be queued in the group', async () => (await group.query(queueQuery)).jobs.length === 1);
    const firstRun = (await schedule.describe()).info.runningActions[0].workflow.workflowId;
    await group.terminate('fault test: the group is lost while it holds a task job');

    const run = await closedRun(bot.client, firstRun, 30_000);
    expect(run.status.name).toBe('COMPLETED');
    await until('the task to answer', () => bot.replies('local:main').some((m) => m.text === 'task done'));
    const history = await bot.client.workflow.getHandle(firstRun).fetchHistory();
    const requeued = history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'queueGroupTurn').length;
    expect(requeued).toBe(2);

    // The next firing runs: the Schedule saw the first run end.
    await tasks.trigger(OWNER, task.id);
    await until('the second firing to answer', () => bot.replies('local:main').filter((m) => m.text === 'task done').length === 2);
    const described = await schedule.describe();
    expect(described.info.numActionsSkippedOverlap).toBe(0);
    console.log(
      `first task run ${run.status.name} after its group was terminated (queued ${requeued} times); ` +
        `second firing answered; skipped by overlap: ${described.info.numActionsSkippedOverlap}`,
    );
  });
});
