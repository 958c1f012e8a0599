// What Temporal holds for a group follows its registration. Unregistering a folder ends its
// group workflow (its queue holds only the old chat's messages) and pauses its tasks, so no
// run posts into a chat that is not registered any more; registering the folder again
// resumes the tasks that removal paused, and they answer in the folder's new chat. (Each
// turn also reads its chat from the registration, so a run already under way when this
// happens refuses to post into the old chat by itself.)
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { groupWorkflowId } from '../contracts/ids.js';
import { GROUP, KIND } from '../contracts/search-attributes.js';
import type { TaskService } from '../tasks/task-service.js';

export interface GroupRetired {
  endedWorkflow: boolean;
  pausedTasks: string[];
  /** Its sub-agents still running, cancelled: none outlives its group's registration. */
  stoppedAgents: string[];
}

export async function retireGroup(client: Client, tasks: TaskService, folder: string): Promise<GroupRetired> {
  let endedWorkflow = true;
  try {
    await client.workflow.getHandle(groupWorkflowId(folder)).terminate('the group was unregistered');
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    endedWorkflow = false;
  }
  return { endedWorkflow, pausedTasks: await tasks.pauseGroup(folder), stoppedAgents: await stopGroupAgents(client, folder) };
}

/** Cancels the group's running sub-agents (found by their search attributes); returns their ids. */
export async function stopGroupAgents(client: Client, folder: string): Promise<string[]> {
  const quote = (value: string) => `'${value.replace(/['\\]/g, '\\$&')}'`;
  const query = `${GROUP.name} = ${quote(folder)} AND ${KIND.name} = 'agent' AND ExecutionStatus = 'Running'`;
  const stopped: string[] = [];
  for await (const run of client.workflow.list({ query })) {
    try {
      await client.workflow.getHandle(run.workflowId, run.runId).cancel();
      stopped.push(run.workflowId);
    } catch (error) {
      // Ended meanwhile: nothing to stop.
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  return stopped;
}

/** Resumes the tasks that unregistering the folder paused; returns their ids. */
export async function restoreGroup(tasks: TaskService, folder: string): Promise<string[]> {
  return tasks.resumeGroup(folder);
}
