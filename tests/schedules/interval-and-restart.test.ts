import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskService, type TaskActor } from '../../tasks/task-service.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { taskQueues } from '../../contracts/task-queue-names.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot, type WorkflowBundleWithSourceMap } from '../support/test-bot.js';
import { taskScript, waitFor } from './support.js';

const OWNER: TaskActor = { isMain: true, label: 'test' };

function taskService(bot: TestBot, now?: () => Date): TaskService {
  return new TaskService({
    client: bot.client,
    groupByFolder: (folder) => bot.store.groupByFolder(folder),
    taskQueue: taskQueues(bot.config.TEMPORAL_TASK_QUEUE_PREFIX).workflows,
    timeZone: 'UTC',
    now,
  });
}

const answers = (bot: TestBot, prompt: string) => bot.replies('local:main').filter((m) => m.text === `answer to ${prompt}`);

describe('an interval task', () => {
  let ollama: OllamaStub;
  let bot: TestBot;

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    // Each run thinks for 3 s, longer than the 2 s interval: runs would overlap without SKIP.
    ollama.setScript(taskScript({}, (prompt) => ({ content: `answer to ${prompt}`, delayMs: 3000 })));
    bot = await startTestBot({ ollama, workflowBundle: await bundleWorkflows() });
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('runs on its own at least twice and never twice at once', async () => {
    const tasks = taskService(bot);
    const task = await tasks.create(OWNER, { group: 'main', prompt: 'TASK tick', isolated: true, when: { every: '2s' } }, 'tick');
    expect(task.schedule).toBe('every 2s');
    await waitFor('two answers', () => (answers(bot, 'TASK tick').length >= 2 ? true : undefined), 40_000);
    expect(ollama.maxInFlight).toBe(1);
    const described = await bot.client.schedule.getHandle(task.id).describe();
    expect(described.info.numActionsSkippedOverlap).toBeGreaterThan(0);
    await tasks.remove(OWNER, task.id);
  });
});

describe('a restart of BabyBot between creating a task and its run', () => {
  let ollama: OllamaStub;
  let bundle: WorkflowBundleWithSourceMap;
  let bot: TestBot | undefined;

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    ollama.setScript(taskScript({}, (prompt) => ({ content: `answer to ${prompt}` })));
    bundle = await bundleWorkflows();
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('changes nothing: a one-shot due while it was down and a trigger after it each answer exactly once', async () => {
    const first = await startTestBot({ ollama, workflowBundle: bundle });
    const tasks = taskService(first);
    const at = new Date(Date.now() + 4000);
    const once = await tasks.create(OWNER, { group: 'main', prompt: 'TASK once', when: { at: at.toISOString() } }, 'once');
    expect(once.schedule).toMatch(/^once at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \(UTC\)$/);
    const daily = await tasks.create(OWNER, { group: 'main', prompt: 'TASK daily', when: { cron: '0 9 * * *' } }, 'daily');
    await first.stop();

    // The one-shot comes due while no worker runs.
    await new Promise((r) => setTimeout(r, at.getTime() - Date.now() + 1500));
    bot = await startTestBot({ ollama, workflowBundle: bundle, dir: first.dir, namespace: first.namespace });
    const again = taskService(bot);
    await waitFor('the one-shot answer', () => (answers(bot!, 'TASK once').length > 0 ? true : undefined));

    await again.trigger(OWNER, daily.id);
    await waitFor('the triggered answer', () => (answers(bot!, 'TASK daily').length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 2000));
    expect(answers(bot, 'TASK once')).toHaveLength(1);
    expect(answers(bot, 'TASK daily')).toHaveLength(1);

    const listed = await waitFor('the one-shot listed as run', async () => {
      const found = (await again.list(OWNER, 'main')).find((t) => t.id === once.id);
      return found?.lastResult?.startsWith('completed') ? found : undefined;
    });
    expect(again.format(listed)).toContain('no further runs');
  });
});
