// The model's tools for recurring tasks. Each one acts for the group whose turn calls it
// (taken from the turn, never from these arguments); only the main group may name another
// group or another group's task.
import { z } from 'zod';
import { defineTool } from './spec.js';

const taskId = z
  .string()
  .min(1)
  .describe('The task id as list_tasks or schedule_task gave it, e.g. "task:main:3f9a1c2e".');

const when = {
  cron: z
    .string()
    .optional()
    .describe('A 5-field cron: minute hour day-of-month month day-of-week, e.g. "0 9 * * 1-5" for every weekday at 09:00.'),
  every: z.string().optional().describe('A fixed interval instead of a cron, e.g. "90s", "30m", "2h", "1d".'),
  at: z
    .string()
    .optional()
    .describe('Run once at this time instead, ISO 8601, e.g. "2026-12-01T09:00" (read in time_zone) or with an offset.'),
  time_zone: z
    .string()
    .optional()
    .describe('IANA time zone for cron and at, e.g. "Europe/Paris"; default: the time zone in your instructions.'),
};

export const scheduleTask = defineTool({
  name: 'schedule_task',
  description:
    'Schedule a recurring or one-time task: at each time you will be given the prompt and your answer goes to the chat. ' +
    'Give exactly one of cron, every or at. Returns the task id.',
  schema: z.object({
    prompt: z.string().min(1).max(8_000).describe('What to do each time, written as an instruction to yourself.'),
    ...when,
    isolated: z
      .boolean()
      .optional()
      .describe('true: run without this chat\'s recent messages (only the prompt); default false.'),
    group: z.string().optional().describe("Main chat only: the folder of the group whose chat gets the task's answers."),
  }),
});

export const listTasks = defineTool({
  name: 'list_tasks',
  description: "List the scheduled tasks (this chat's; in the main chat, every group's): id, schedule, next run, paused, last result.",
  schema: z.object({
    group: z.string().optional().describe('Main chat only: list only this group folder\'s tasks.'),
  }),
});

export const pauseTask = defineTool({
  name: 'pause_task',
  description: 'Pause a scheduled task: it does not run until resumed.',
  schema: z.object({ task_id: taskId }),
});

export const resumeTask = defineTool({
  name: 'resume_task',
  description: 'Resume a paused task.',
  schema: z.object({ task_id: taskId }),
});

export const updateTask = defineTool({
  name: 'update_task',
  description:
    'Change a task: its prompt, its schedule (one of cron, every or at replaces the old one), or whether it runs isolated.',
  schema: z.object({
    task_id: taskId,
    prompt: z.string().min(1).max(8_000).optional().describe('The new prompt.'),
    ...when,
    isolated: z.boolean().optional().describe('Run without (true) or with (false) the chat\'s recent messages.'),
  }),
});

export const cancelTask = defineTool({
  name: 'cancel_task',
  description: 'Cancel a scheduled task for good (its schedule is deleted).',
  schema: z.object({ task_id: taskId }),
});

export const TASK_TOOLS = [scheduleTask, listTasks, pauseTask, resumeTask, updateTask, cancelTask];
