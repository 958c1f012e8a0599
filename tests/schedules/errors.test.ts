import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskService, translateServerError } from '../../tasks/task-service.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { scheduledTaskWorkflow } from '../../workflows/scheduled-task.js';
import { taskQueues } from '../../contracts/task-queue-names.js';
import { OllamaStub, withoutTimeNote } from '../support/ollama-stub.js';
import { freePort } from '../support/ports.js';
import { startTestBot, testEnv, type TestBot } from '../support/test-bot.js';
import { babybotCli, taskScript, toolResults, waitFor } from './support.js';

const PLAN = {
  'bad cron': { name: 'schedule_task', arguments: { prompt: 'TASK x', cron: '61 * * * *' } },
  'bad zone': { name: 'schedule_task', arguments: { prompt: 'TASK x', cron: '0 9 * * *', time_zone: 'Mars/Olympus' } },
  'in the past': { name: 'schedule_task', arguments: { prompt: 'TASK x', at: '2020-01-01T09:00' } },
  'unknown id': { name: 'pause_task', arguments: { task_id: 'task:main:deadbeef' } },
};

describe('bad task requests', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  let cliEnv: Record<string, string>;
  const cli = (...args: string[]) => babybotCli(['tasks', ...args], cliEnv);

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    ollama.setScript(taskScript(PLAN, (prompt) => (prompt.includes('fail') ? { status: 400, error: 'scripted refusal' } : { content: `answer to ${prompt}` })));
    bot = await startTestBot({ ollama, workflowBundle: await bundleWorkflows() });
    cliEnv = testEnv(bot.dir, bot.namespace, ollama);
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('get a clear error back to the model from each tool', async () => {
    // The tools that change a task are offered once there is one.
    const tasks = new TaskService({
      client: bot.client,
      groupByFolder: (folder) => bot.store.groupByFolder(folder),
      taskQueue: taskQueues(bot.config.TEMPORAL_TASK_QUEUE_PREFIX).workflows,
      timeZone: 'UTC',
    });
    const kept = await tasks.create({ isMain: true, label: 'test' }, { group: 'main', prompt: 'TASK kept', when: { cron: '0 8 * * *' } }, 'kept');
    await waitFor('the task in visibility', async () => ((await tasks.tasksInBrief(undefined, 1))?.tasks.length ? true : undefined));
    for (const [index, text] of Object.keys(PLAN).entries()) {
      await bot.post('main', text);
      await bot.waitForReplies('local:main', index + 1);
    }
    await tasks.remove({ isMain: true, label: 'test' }, kept.id);
    expect(toolResults(ollama.requests)).toEqual([
      expect.stringMatching(/^Error: schedule_task failed: Invalid cron: "61 \* \* \* \*": the minute field "61" is not within 0-59\.$/),
      expect.stringMatching(/^Error: schedule_task failed: "Mars\/Olympus" is not a known time zone\. Use an IANA name/),
      expect.stringMatching(/^Error: schedule_task failed: 2020-01-01 09:00 \(UTC\) is in the past \(it is now .*\)\. Give a future time, or cron if it repeats\.$/),
      // A wrong id comes back with the tasks there are, so the model's next step can use one.
      expect.stringMatching(/^Error: pause_task failed: There is no task task:main:deadbeef [\s\S]*\nThe tasks this chat has:\n- task:main:kept /),
    ]);
  });

  it('a cron the server refuses becomes the same kind of clear, non-retryable error', async () => {
    const refused = await bot.client.schedule
      .create({
        scheduleId: 'task:main:refused',
        spec: { cronExpressions: ['61 * * * *'] },
        action: { type: 'startWorkflow', workflowType: scheduledTaskWorkflow, taskQueue: taskQueues('babybot').workflows, args: [] as never },
      })
      .then(() => undefined, (error: unknown) => translateServerError(error));
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect((refused as ApplicationFailure).type).toBe('TaskInvalid');
    expect((refused as ApplicationFailure).nonRetryable).toBe(true);
    expect((refused as ApplicationFailure).message).toMatch(/^Temporal refused the schedule: Minute is not in range \[0-59\]\. Check the cron expression and the time zone\.$/);
  });

  it('make the command line exit non-zero with a clear message', async () => {
    const cases: [string[], RegExp][] = [
      [['add', '--group', 'main', '--cron', '61 * * * *', '--prompt', 'x'], /Invalid cron: "61 \* \* \* \*": the minute field/],
      [['add', '--group', 'main', '--cron', '0 9 * * *', '--tz', 'Mars/Olympus', '--prompt', 'x'], /"Mars\/Olympus" is not a known time zone/],
      [['add', '--group', 'main', '--at', '2020-01-01T09:00', '--prompt', 'x'], /is in the past/],
      [['add', '--group', 'main', '--cron', '0 9 * * *', '--every', '1h', '--prompt', 'x'], /Give exactly one of cron .*, not cron and every/],
      [['add', '--group', 'nobody', '--every', '1h', '--prompt', 'x'], /There is no registered group "nobody"/],
      [['pause', 'task:main:deadbeef'], /There is no task task:main:deadbeef/],
      [['remove', 'not an id'], /"not an id" is not a task id/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(...args);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.code, args.join(' ')).toBe(1);
    }
    const noServer = await babybotCli(['tasks', 'list'], { ...cliEnv, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
    expect(noServer.code).toBe(1);
    expect(noServer.stderr).toMatch(/Start BabyBot first \(npm start\) or set TEMPORAL_ADDRESS/);
  });

  it('add, list, pause, resume, trigger and remove work from the command line', async () => {
    const added = await cli('add', '--group', 'main', '--cron', '30 7 * * 1-5', '--tz', 'Europe/Paris', '--prompt', 'TASK from the cli', '--isolated');
    expect(added.code, added.stderr).toBe(0);
    const id = added.stdout.split('\n')[0];
    expect(id).toMatch(/^task:main:[0-9a-f]{8}$/);

    const listed = await cli('list', '--group', 'main');
    expect(listed.stdout).toContain(`${id} [main] every weekday at 07:30 (Europe/Paris); next run `);
    expect(listed.stdout).toContain('isolated; prompt: "TASK from the cli"');

    expect((await cli('pause', id)).stdout).toContain(`${id} [main] every weekday at 07:30 (Europe/Paris); paused;`);
    expect((await cli('resume', id)).stdout).toMatch(/; next run /);
    const before = bot.replies('local:main').length;
    expect((await cli('trigger', id)).code).toBe(0);
    const replies = await bot.waitForReplies('local:main', before + 1);
    expect(replies.at(-1)!.text).toBe('answer to TASK from the cli');
    // Isolated: the model saw the prompt alone, after the host's note that opens every conversation.
    const request = ollama.requests.find((r) => withoutTimeNote(r.messages.at(-1)!.content) === 'TASK from the cli');
    const conversation = request!.messages.filter((m) => m.role !== 'system');
    expect(conversation[0].content).toMatch(/^\[host\]/);
    expect(conversation.slice(1)).toHaveLength(1);

    const removed = await cli('remove', id);
    expect(removed.stdout).toBe(`Removed ${id}.\n`);
    expect((await cli('list', '--group', 'main')).stdout).not.toContain(id);
  });

  it('a task run that fails is a failed workflow, and the group is told once, with the run id', async () => {
    const added = await cli('add', '--group', 'main', '--every', '1d', '--prompt', 'TASK fail please');
    const id = added.stdout.split('\n')[0];
    const before = bot.replies('local:main').length;
    await cli('trigger', id);
    const replies = await bot.waitForReplies('local:main', before + 1);
    const notice = replies.at(-1)!.text;
    expect(notice).toMatch(/^Sorry, I could not answer that: Ollama rejected the request \(400\)/);
    const run = /Run: (task:main:[0-9a-f]{8}-\S+)/.exec(notice)![1];
    const handle = bot.client.workflow.getHandle(run);
    const failure = await handle.result().then(() => undefined, (error: Error) => error);
    expect((failure?.cause as Error | undefined)?.message).toMatch(/^Ollama rejected the request \(400\)/);
    const described = await handle.describe();
    expect(described.status.name).toBe('FAILED');
    expect(described.type).toBe('scheduledTaskWorkflow');
    await new Promise((r) => setTimeout(r, 1500));
    expect(bot.replies('local:main').length).toBe(before + 1);
    const listed = await waitFor('the failure in the list', async () => {
      const out = (await cli('list', '--group', 'main')).stdout;
      return out.includes(`last run: failed`) ? out : undefined;
    });
    expect(listed).toContain(`(run ${run})`);
  });
});
