import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskService, type TaskActor } from '../../tasks/task-service.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { taskQueues } from '../../contracts/task-queue-names.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { taskScript } from './support.js';

const OWNER: TaskActor = { isMain: true, label: 'test' };

describe("a group that is not main and another group's task", () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  let mainTask: string;
  let familyTask: string;

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    bot = await startTestBot({ ollama, workflowBundle: await bundleWorkflows() });
    bot.store.addGroup({ folder: 'family', jid: 'local:family', name: 'Family', triggerWord: null, requiresTrigger: false, isMain: false });
    const tasks = new TaskService({
      client: bot.client,
      groupByFolder: (folder) => bot.store.groupByFolder(folder),
      taskQueue: taskQueues(bot.config.TEMPORAL_TASK_QUEUE_PREFIX).workflows,
      timeZone: 'UTC',
    });
    mainTask = (await tasks.create(OWNER, { group: 'main', prompt: 'TASK owner report', when: { cron: '0 8 * * *' } }, 'owner1')).id;
    familyTask = (await tasks.create(OWNER, { group: 'family', prompt: 'TASK family news', when: { every: '1d' } }, 'fam1')).id;
    ollama.setScript(
      taskScript(
        {
          'list main': { name: 'list_tasks', arguments: { group: 'main' } },
          'list mine': { name: 'list_tasks', arguments: {} },
          'pause theirs': { name: 'pause_task', arguments: { task_id: mainTask } },
          'cancel theirs': { name: 'cancel_task', arguments: { task_id: mainTask } },
          'change theirs': { name: 'update_task', arguments: { task_id: mainTask, prompt: 'TASK hijacked' } },
          'schedule for main': { name: 'schedule_task', arguments: { group: 'main', prompt: 'TASK x', every: '1h' } },
          'list everything': { name: 'list_tasks', arguments: {} },
        },
        (prompt) => ({ content: `answer to ${prompt}` }),
      ),
    );
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('cannot list, pause, cancel, change or schedule for it, even when the model names it', async () => {
    // One at a time: messages that arrive together are answered in one turn.
    const texts = ['list main', 'pause theirs', 'cancel theirs', 'change theirs', 'schedule for main'];
    for (const [index, text] of texts.entries()) {
      await bot.post('family', text);
      await bot.waitForReplies('local:family', index + 1);
    }
    const replies = bot.replies('local:family');
    expect(replies).toHaveLength(5);
    for (const reply of replies) {
      expect(reply.text).toMatch(/^tool said: Error: \w+ failed: This chat may see and manage only its own tasks \(group "family"\)/);
    }
    const described = await bot.client.schedule.getHandle(mainTask).describe();
    expect(described.state.paused).toBe(false);
    expect(described.action.memo).toMatchObject({ prompt: 'TASK owner report' });
  });

  it("sees only its own tasks, while the main chat sees every group's", async () => {
    await bot.post('family', 'list mine');
    const family = await bot.waitForReplies('local:family', 6);
    expect(family.at(-1)!.text).toContain(familyTask);
    expect(family.at(-1)!.text).not.toContain(mainTask);

    await bot.post('main', 'list everything');
    const [main] = await bot.waitForReplies('local:main', 1);
    expect(main.text).toContain(familyTask);
    expect(main.text).toContain(mainTask);
  });
});
