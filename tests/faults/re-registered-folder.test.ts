// Fault: a folder is registered to a new chat (`groups remove` then `groups add`, or a
// changed WHATSAPP_MAIN_CHAT) while its group workflow and its task's Schedule live on.
// Before: both kept the old chat (the workflow's input, the Schedule's action), so the new
// chat's messages were answered into the old, unregistered chat and the task posted there.
import { describe, expect, it } from 'vitest';
import { registerGroup, unregisterGroup } from '../../lib/group-registration.js';
import { restoreGroup, retireGroup } from '../../temporal/group-lifecycle.js';
import { useTestBot } from '../support/test-bot.js';
import { closedRun, OWNER, pause, tasksOf, until } from './support/faults.js';

describe('a folder re-registered to a new chat', () => {
  const t = useTestBot();

  it('answers the new chat, never the old one, and its task follows the folder', async () => {
    const { bot } = t;
    const tasks = tasksOf(bot);
    registerGroup(bot.store, { jid: 'local:fam-old', folder: 'fam', requiresTrigger: false });
    await bot.post('fam-old', 'hello from the old chat');
    await bot.waitForReplies('local:fam-old', 1);
    const task = await tasks.create(OWNER, { group: 'fam', prompt: 'the daily digest', when: { every: '1d' } }, 'digest');

    // Moved in the store alone, as `groups remove`/`add` do while Temporal is away: the
    // group workflow and the Schedule made for the old chat are still there.
    unregisterGroup(bot.store, 'fam');
    registerGroup(bot.store, { jid: 'local:fam-new', folder: 'fam', requiresTrigger: false });
    expect((await bot.client.workflow.getHandle('group:fam').describe()).status.name).toBe('RUNNING');

    const stale = await bot.post('fam-old', 'is anyone still here?');
    expect(stale.triggered).toBe(false);
    await bot.post('fam-new', 'hello from the new chat');
    const answered = await bot.waitForReplies('local:fam-new', 1);
    expect(answered[0].text).toBe('echo: user: hello from the new chat');

    await tasks.trigger(OWNER, task.id);
    const both = await bot.waitForReplies('local:fam-new', 2);
    expect(both[1].text).toMatch(/the daily digest/);
    await pause(1000);
    expect(bot.replies('local:fam-old').map((m) => m.text)).toEqual(['echo: user: hello from the old chat']);
    console.log(`new chat got ${bot.replies('local:fam-new').length} replies, old chat ${bot.replies('local:fam-old').length}`);
  });

  it('unregistering ends the group workflow and pauses its tasks; registering the folder again resumes them', async () => {
    const { bot } = t;
    const tasks = tasksOf(bot);
    unregisterGroup(bot.store, 'fam');
    const retired = await retireGroup(bot.client, tasks, 'fam');
    expect(retired).toEqual({ endedWorkflow: true, pausedTasks: ['task:fam:digest'], stoppedAgents: [] });
    expect((await bot.client.workflow.getHandle('group:fam').describe()).status.name).toBe('TERMINATED');
    expect((await tasks.describe(OWNER, 'task:fam:digest')).paused).toBe(true);

    registerGroup(bot.store, { jid: 'local:fam-third', folder: 'fam', requiresTrigger: false });
    expect(await restoreGroup(tasks, 'fam')).toEqual(['task:fam:digest']);
    await tasks.trigger(OWNER, 'task:fam:digest');
    const replies = await bot.waitForReplies('local:fam-third', 1);
    expect(replies[0].text).toMatch(/the daily digest/);
    expect(bot.replies('local:fam-new')).toHaveLength(2);
  });

  it('a task run whose group is gone posts nowhere and pauses its own schedule', async () => {
    const { bot } = t;
    const tasks = tasksOf(bot);
    // The last run has ended (a run still open would make the Schedule skip the next one).
    const last = (await bot.client.schedule.getHandle('task:fam:digest').describe()).info.recentActions.at(-1)!;
    await closedRun(bot.client, last.action.workflow.workflowId);
    // Removed in the store only (Temporal was not told): the run finds out by itself.
    unregisterGroup(bot.store, 'fam');
    const before = bot.store.messagesSince('local:fam-third').length;
    await tasks.trigger(OWNER, 'task:fam:digest');
    await until('the task to pause itself', async () => (await tasks.describe(OWNER, 'task:fam:digest')).paused);
    await pause(500);
    expect(bot.store.messagesSince('local:fam-third')).toHaveLength(before);
  });
});
