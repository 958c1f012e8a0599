// `babybot tasks add|list|pause|resume|trigger|remove`: the owner's view of the recurring
// tasks, through the same task service the agent's tools use. The command line acts as the
// owner: it may manage any registered group's tasks.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { ApplicationFailure } from '@temporalio/common';
import { Command } from 'commander';
import { Store } from '../lib/store/store.js';
import { TaskService, type TaskActor, type TaskInfo } from '../tasks/task-service.js';
import { commandContext, fail } from './context.js';
import { connectForInspection } from './temporal-client.js';
import { terminalText } from './terminal-text.js';

interface AddFlags {
  group: string;
  cron?: string;
  tz?: string;
  every?: string;
  at?: string;
  prompt: string;
  isolated?: boolean;
}

/** Runs one task operation with the service, then closes what it opened; a refused request ends the command with its reason. */
async function withTasks(run: (tasks: TaskService, owner: TaskActor) => Promise<void>): Promise<void> {
  const { config } = commandContext();
  const store = Store.openIn(config.dataDir);
  const temporal = await connectForInspection(config);
  const tasks = TaskService.forConfig(temporal.client, config, (folder) => store.groupByFolder(folder));
  const owner: TaskActor = { isMain: true, label: `command line (${os.userInfo().username})` };
  try {
    await run(tasks, owner);
  } catch (error) {
    if (error instanceof ApplicationFailure) fail(error.message);
    fail(`The task command failed: ${(error as Error).message}`);
  } finally {
    await temporal.close();
    store.close();
  }
}

function printTask(tasks: TaskService, task: TaskInfo): void {
  // A task's prompt may have been written by a group's model, on a stranger's word.
  process.stdout.write(`${terminalText(tasks.format(task))}\n`);
}

export function tasksCommand(): Command {
  const command = new Command('tasks').description('recurring tasks: Temporal Schedules that run an agent turn with a prompt');

  command
    .command('add')
    .description('schedule a task; prints its id')
    .requiredOption('--group <folder>', 'the registered group whose chat gets the answers')
    .option('--cron <expr>', '5-field cron, e.g. "0 9 * * 1-5"')
    .option('--tz <zone>', 'IANA time zone for --cron and --at (default TZ or the machine\'s)')
    .option('--every <duration>', 'a fixed interval, e.g. 90s, 30m, 2h')
    .option('--at <iso-time>', 'once, at this time, e.g. 2026-12-01T09:00')
    .requiredOption('--prompt <text>', 'what the assistant is asked each time')
    .option('--isolated', "run without the chat's recent messages")
    .action((flags: AddFlags) =>
      withTasks(async (tasks, owner) => {
        const task = await tasks.create(
          owner,
          {
            group: flags.group,
            prompt: flags.prompt,
            isolated: flags.isolated ?? false,
            when: { cron: flags.cron, every: flags.every, at: flags.at, timeZone: flags.tz },
          },
          randomBytes(4).toString('hex'),
        );
        process.stdout.write(`${task.id}\n`);
        printTask(tasks, task);
      }),
    );

  command
    .command('list')
    .description('every task: id, group, schedule in words, next run, paused, last result')
    .option('--group <folder>', "only this group's tasks")
    .action((flags: { group?: string }) =>
      withTasks(async (tasks, owner) => {
        const found = await tasks.list(owner, flags.group);
        if (found.length === 0) process.stdout.write(`No tasks${flags.group ? ` in ${flags.group}` : ''}.\n`);
        for (const task of found) printTask(tasks, task);
      }),
    );

  const byId = [
    ['pause', 'pause a task (it does not run until resumed)', (t: TaskService, o: TaskActor, id: string) => t.pause(o, id)],
    ['resume', 'resume a paused task', (t: TaskService, o: TaskActor, id: string) => t.resume(o, id)],
    ['trigger', 'run a task now, outside its schedule', (t: TaskService, o: TaskActor, id: string) => t.trigger(o, id)],
  ] as const;
  for (const [name, description, act] of byId) {
    command
      .command(name)
      .description(description)
      .argument('<id>', 'the task id, e.g. task:main:3f9a1c2e')
      .action((id: string) => withTasks(async (tasks, owner) => printTask(tasks, await act(tasks, owner, id))));
  }

  command
    .command('remove')
    .description('delete a task and its schedule')
    .argument('<id>', 'the task id, e.g. task:main:3f9a1c2e')
    .action((id: string) =>
      withTasks(async (tasks, owner) => {
        process.stdout.write(`Removed ${await tasks.remove(owner, id)}.\n`);
      }),
    );

  return command;
}
