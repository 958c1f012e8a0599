// The model's tools for recurring tasks. Each one acts for the group whose turn calls it
// (taken from the turn, never from these arguments); only the main group may name another
// group or another group's task.
import { z } from 'zod';
import { defineTool } from './spec.js';

// No example id: the 0.5B copied the example's (`main:3f9a1c2e`) instead of the real one.
const taskId = z.string().min(1).describe("The task's id as listed");

const when = {
  cron: z.string().optional().describe('Repeating: 5-field cron (minute hour day month weekday), e.g. 0 9 * * 1-5'),
  every: z.string().optional().describe('Repeating: an interval such as 15m, 2h or 1d'),
  at: z.string().optional().describe('Once: local time YYYY-MM-DDTHH:MM'),
  time_zone: z.string().optional().describe('IANA zone for cron and at; default yours'),
};

export const scheduleTask = defineTool({
  name: 'schedule_task',
  description: 'Schedule a reminder or task: each time, you get its prompt and your answer goes to the chat. Give one of cron, every or at.',
  schema: z.object({
    prompt: z.string().min(1).max(8_000).describe('An instruction to yourself'),
    ...when,
    isolated: z.boolean().optional().describe("true: without the chat's recent messages"),
    group: z.string().optional().describe('The group folder it is for'),
  }),
  mainOnlyFields: ['group'],
});

export const listTasks = defineTool({
  name: 'list_tasks',
  description: 'List the scheduled tasks with their ids and next runs.',
  schema: z.object({
    group: z.string().optional().describe('One group folder'),
  }),
  mainOnlyFields: ['group'],
  // A chat without tasks is told so in the host's note: the tool could only say it again (39 prompt tokens).
  needsTask: true,
});

export const pauseTask = defineTool({
  name: 'pause_task',
  description: 'Pause a task until resumed.',
  schema: z.object({ task_id: taskId }),
  needsTask: true,
});

export const resumeTask = defineTool({
  name: 'resume_task',
  description: 'Resume a paused task.',
  schema: z.object({ task_id: taskId }),
  needsTask: true,
});

export const updateTask = defineTool({
  name: 'update_task',
  description: 'Change a task: its prompt, its schedule (one of cron, every or at) or isolated.',
  schema: z.object({
    task_id: taskId,
    prompt: z.string().min(1).max(8_000).optional(),
    ...when,
    isolated: z.boolean().optional(),
  }),
  needsTask: true,
});

export const cancelTask = defineTool({
  name: 'cancel_task',
  description: 'Delete a task for good.',
  schema: z.object({ task_id: taskId }),
  needsTask: true,
});

export const TASK_TOOLS = [scheduleTask, listTasks, pauseTask, resumeTask, updateTask, cancelTask];
