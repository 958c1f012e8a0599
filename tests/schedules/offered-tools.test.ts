// The tools that change a task (pause, resume, update, cancel) are a third of a group's cold
// prompt: a group is offered them only once it has a task, main once any group has one. The
// tools it is always offered come first, in the same bytes, so the cache of them holds across.
import { describe, expect, it } from 'vitest';
import { TaskService, type TaskActor } from '../../tasks/task-service.js';
import { taskQueues } from '../../contracts/task-queue-names.js';
import { echo, type ChatRequestBody } from '../support/ollama-stub.js';
import { useTestBot } from '../support/test-bot.js';

const OWNER: TaskActor = { isMain: true, label: 'test' };
const CHANGING = ['list_tasks', 'pause_task', 'resume_task', 'update_task', 'cancel_task'];
const offered = (request: ChatRequestBody) => (request.tools ?? []).map((tool) => tool.function.name);

describe('the tools that list or change tasks', () => {
  const t = useTestBot();

  it('are offered to a group once it has a task, and to main once any group has one', async () => {
    t.ollama.setScript(echo);
    t.bot.store.addGroup({ folder: 'family', jid: 'local:family', name: 'Family', triggerWord: null, requiresTrigger: false, isMain: false });
    t.bot.store.addGroup({ folder: 'friends', jid: 'local:friends', name: 'Friends', triggerWord: null, requiresTrigger: false, isMain: false });
    const ask = async (folder: string, replies: number) => {
      await t.bot.post(folder, `hello ${replies}`);
      await t.bot.waitForReplies(`local:${folder}`, replies);
      return t.ollama.requests.at(-1)!;
    };

    const before = { family: offered(await ask('family', 1)), main: offered(await ask('main', 1)) };
    for (const name of CHANGING) {
      expect(before.family).not.toContain(name);
      expect(before.main).not.toContain(name);
    }
    expect(before.family).toEqual(expect.arrayContaining(['reply', 'schedule_task', 'run_command', 'remember']));

    const tasks = new TaskService({
      client: t.bot.client,
      groupByFolder: (folder) => t.bot.store.groupByFolder(folder),
      taskQueue: taskQueues(t.bot.config.TEMPORAL_TASK_QUEUE_PREFIX).workflows,
      timeZone: 'UTC',
    });
    await tasks.create(OWNER, { group: 'family', prompt: 'water the plants', when: { cron: '0 8 * * *' } }, 'plants');

    const family = await ask('family', 2);
    const after = { family: offered(family), main: offered(await ask('main', 2)) };
    const friends = await ask('friends', 1);
    expect(after.family).toEqual(expect.arrayContaining(CHANGING));
    expect(after.main).toEqual(expect.arrayContaining(CHANGING));
    for (const name of CHANGING) expect(offered(friends)).not.toContain(name);
    // The tools every group has come first and unchanged: a group with a task and one without
    // share them byte for byte, as the start of Ollama's cache.
    expect(JSON.stringify(family.tools!.slice(0, friends.tools!.length))).toBe(JSON.stringify(friends.tools));
  });
});
