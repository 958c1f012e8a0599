import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { TypedSearchAttributes } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { GROUP, KIND } from '../../contracts/search-attributes.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { taskScript, toolResults, waitFor } from './support.js';

describe('a task scheduled by chatting', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  let taskId: string;

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    ollama.setScript(
      taskScript(
        {
          'every weekday at 9': {
            name: 'schedule_task',
            arguments: { prompt: 'TASK weather summary', cron: '0 9 * * 1-5', time_zone: 'Europe/Paris' },
          },
        },
        (prompt) => ({ content: `answer to ${prompt}` }),
      ),
    );
    bot = await startTestBot({ ollama, workflowBundle: await bundleWorkflows() });
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('creates a Schedule with the cron, the zone, overlap SKIP, memo and search attributes', async () => {
    await bot.post('main', 'every weekday at 9 send me the weather');
    const [reply] = await bot.waitForReplies('local:main', 1);
    expect(reply.text).toMatch(/tool said: Scheduled task:main:[0-9a-f]{8}: every weekday at 09:00 \(Europe\/Paris\)/);
    taskId = /task:main:[0-9a-f]{8}/.exec(reply.text)![0];

    const schedule = await bot.client.schedule.getHandle(taskId).describe();
    expect(schedule.spec.timezone).toBe('Europe/Paris');
    // The server keeps a cron as its calendar form: 09:00 on Monday to Friday.
    expect(schedule.spec.calendars?.[0]).toMatchObject({
      hour: [{ start: 9, end: 9, step: 1 }],
      minute: [{ start: 0, end: 0, step: 1 }],
      dayOfWeek: [{ start: 'MONDAY', end: 'FRIDAY', step: 1 }],
    });
    expect(schedule.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(schedule.policies.catchupWindow).toBe(3_600_000);
    expect(schedule.action.workflowType).toBe('scheduledTaskWorkflow');
    expect(schedule.action.memo).toMatchObject({ prompt: 'TASK weather summary', context: 'group' });
    expect(String((schedule.action.memo as { createdBy: string }).createdBy)).toMatch(/^chat "/);
    const attributes = schedule.action.typedSearchAttributes as TypedSearchAttributes;
    expect(attributes.get(KIND)).toBe('task');
    expect(attributes.get(GROUP)).toBe('main');
    expect(schedule.info.nextActionTimes[0].getUTCHours()).toBeGreaterThanOrEqual(7);
  });

  it("the chat's next turn is told the task with its id (so pausing or cancelling it needs no guess) and is offered the tools that change it", async () => {
    await waitFor('the task in visibility', async () => {
      for await (const summary of bot.client.schedule.list({ query: `${KIND.name} = 'task'` })) if (summary.scheduleId === taskId) return true;
      return undefined;
    });
    await bot.post('main', 'hello again');
    await waitFor('the answer', () => bot.replies('local:main').find((m) => m.text.startsWith('echo: ') && m.text.includes('hello again')));
    const request = ollama.requests.findLast((r) => r.messages.at(-1)!.content.includes('hello again'))!;
    expect(request.messages[1].content).toContain(`This chat's scheduled tasks:\n- id ${taskId.split(':')[2]}: "TASK weather summary" every weekday at 09:00 (Europe/Paris)`);
    expect(request.tools!.map((t) => t.function.name)).toEqual(expect.arrayContaining(['pause_task', 'resume_task', 'update_task', 'cancel_task']));
  });

  it('trigger runs it: the answer reaches the chat, and the run is a task run of the group', async () => {
    const before = bot.replies('local:main').length;
    await bot.client.schedule.getHandle(taskId).trigger();
    const replies = await bot.waitForReplies('local:main', before + 1);
    expect(replies.at(-1)!.text).toBe('answer to TASK weather summary');

    const schedule = await bot.client.schedule.getHandle(taskId).describe();
    const run = schedule.info.recentActions.at(-1)!.action.workflow;
    expect(run.workflowId.startsWith(`${taskId}-`)).toBe(true);
    const handle = bot.client.workflow.getHandle(run.workflowId);
    await handle.result();
    const described = await handle.describe();
    expect(described.status.name).toBe('COMPLETED');
    expect(described.typedSearchAttributes.get(KIND)).toBe('task');
    expect(described.typedSearchAttributes.get(GROUP)).toBe('main');
    // The task turn saw the chat (group context): the earlier request is in its conversation.
    const taskRequest = ollama.requests.find((r) => r.messages.at(-1)!.content.includes('TASK weather summary') && r.messages.at(-1)!.role === 'user');
    expect(taskRequest!.messages.some((m) => m.content.includes('every weekday at 9'))).toBe(true);
  });

  it('update_task changes the prompt and the schedule, and keeps it paused when it was', async () => {
    await bot.client.schedule.getHandle(taskId).pause('for the test');
    ollama.setScript(
      taskScript(
        { 'move it': { name: 'update_task', arguments: { task_id: taskId, prompt: 'TASK news summary', cron: '30 18 * * 5' } } },
        (prompt) => ({ content: `answer to ${prompt}` }),
      ),
    );
    await bot.post('main', 'move it to friday evening');
    const result = await waitFor('the update', () => toolResults(ollama.requests).find((t) => t.startsWith(`Updated ${taskId}`)));
    expect(result).toContain('every Friday at 18:30 (Europe/Paris); paused;');
    const schedule = await bot.client.schedule.getHandle(taskId).describe();
    expect(schedule.state.paused).toBe(true);
    expect(schedule.spec.timezone).toBe('Europe/Paris');
    expect(schedule.action.memo).toMatchObject({ prompt: 'TASK news summary', when: { kind: 'cron', cron: '30 18 * * 5' } });
    expect((schedule.action.args as { task: { prompt: string } }[])[0].task.prompt).toBe('TASK news summary');
  });

  it('pause stops its runs, resume starts them again, cancel deletes the schedule', async () => {
    ollama.setScript(
      taskScript({ 'every 2 seconds': { name: 'schedule_task', arguments: { prompt: 'TASK ping', every: '2s' } } }, (p) => ({
        content: `answer to ${p}`,
      })),
    );
    await bot.post('main', 'every 2 seconds ping me');
    const created = await waitFor('the interval task', () => toolResults(ollama.requests).find((t) => t.includes('every 2s')));
    const id = /task:main:[0-9a-f]{8}/.exec(created)![0];

    const pauseScript = { name: 'pause_task', arguments: { task_id: id } };
    const resumeScript = { name: 'resume_task', arguments: { task_id: id } };
    const cancelScript = { name: 'cancel_task', arguments: { task_id: id } };
    ollama.setScript(
      taskScript({ 'pause it': pauseScript, 'resume it': resumeScript, 'cancel it': cancelScript }, (p) => ({ content: `answer to ${p}` })),
    );
    const pings = () => bot.replies('local:main').filter((m) => m.text === 'answer to TASK ping').length;
    await waitFor('a first ping', () => (pings() >= 1 ? true : undefined));

    await bot.post('main', 'pause it');
    await waitFor('the pause', () => (toolResults(ollama.requests).some((t) => t.startsWith(`Paused ${id}`)) ? true : undefined));
    expect((await bot.client.schedule.getHandle(id).describe()).state.paused).toBe(true);
    await new Promise((r) => setTimeout(r, 1500)); // a run already started may finish
    const whilePaused = pings();
    await new Promise((r) => setTimeout(r, 5000));
    expect(pings()).toBe(whilePaused);

    await bot.post('main', 'resume it');
    await waitFor('a ping after resume', () => (pings() > whilePaused ? true : undefined));

    await bot.post('main', 'cancel it');
    await waitFor('the cancel', () => (toolResults(ollama.requests).some((t) => t.startsWith(`Cancelled ${id}`)) ? true : undefined));
    await expect(bot.client.schedule.getHandle(id).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });
});
