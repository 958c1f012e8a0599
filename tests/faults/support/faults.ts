// Helpers of the fault-injection tests: waiting for what the user sees, reading a run's
// history, resetting a run the way the Web UI's Reset button does.
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import { TaskService, type TaskActor } from '../../../tasks/task-service.js';
import { taskQueues } from '../../../contracts/task-queue-names.js';
import { eventually } from '../../support/eventually.js';
import type { TestBot } from '../../support/test-bot.js';

/** eventually() with the argument order these tests use. */
export const until = <T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000) =>
  eventually(probe, { timeoutMs, what });

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The owner at the command line, as `babybot tasks` acts. */
export const OWNER: TaskActor = { isMain: true, label: 'the fault tests' };

/** The task service a running bot's tools and `babybot tasks` use, on the bot's own server and namespace. */
export function tasksOf(bot: TestBot): TaskService {
  return new TaskService({
    client: bot.client,
    groupByFolder: (folder) => bot.store.groupByFolder(folder),
    taskQueue: taskQueues(bot.config.TEMPORAL_TASK_QUEUE_PREFIX).workflows,
    timeZone: 'UTC',
  });
}

/** The latest run of a workflow id once it has closed (or the timeout passes). */
export async function closedRun(client: Client, workflowId: string, timeoutMs = 30_000) {
  return until(
    `${workflowId} to close`,
    async () => {
      const run = await client.workflow.getHandle(workflowId).describe().catch(() => undefined);
      return run && run.status.name !== 'RUNNING' ? run : undefined;
    },
    timeoutMs,
  );
}

/** Resets a run to its first workflow task, as the Web UI's Reset (First Workflow Task) does; returns the new run id. */
export async function resetToFirstWorkflowTask(bot: TestBot, workflowId: string, runId: string): Promise<string> {
  const history = await bot.client.workflow.getHandle(workflowId, runId).fetchHistory();
  const first = history.events?.find((e) => e.workflowTaskCompletedEventAttributes);
  if (!first?.eventId) throw new Error(`${workflowId} has no completed workflow task to reset to`);
  const reset = await bot.client.workflowService.resetWorkflowExecution({
    namespace: bot.namespace,
    workflowExecution: { workflowId, runId },
    workflowTaskFinishEventId: first.eventId,
    reason: 'fault test: reset to the first workflow task',
    requestId: crypto.randomUUID(),
  });
  return reset.runId!;
}
