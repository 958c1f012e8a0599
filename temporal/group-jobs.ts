// Where a job (a task run's turn) stands, as Temporal sees it: still held by its group's
// workflow (queued or running), its turn ended, or lost. A task run waits for the group's
// `jobDone` signal, but a group that was terminated, reset or migrated meanwhile never
// sends it; the run asks this from time to time, so it queues its job again (the same job
// id: a group that still has it ignores the repeat) or ends as its turn did.
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { groupWorkflowId } from '../contracts/ids.js';
import type { FindGroupJobInput, GroupJobState } from '../contracts/activities.js';
import type { AgentTurnResult } from '../contracts/types.js';
import { queueQuery } from '../workflows/group.js';
import { closingReason } from './runs.js';

/** A group whose workflow tasks fail cannot answer a query: its job is not known lost, so the run keeps waiting. */
const QUERY_TIMEOUT_MS = 10_000;

export async function findGroupJob(client: Client, input: FindGroupJobInput): Promise<GroupJobState> {
  const group = client.workflow.getHandle(groupWorkflowId(input.folder));
  const groupRun = await group.describe().catch((error: unknown) => {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  });
  if (groupRun?.status.name === 'RUNNING') {
    const queue = await askQueue(group).catch((error: Error) => error);
    if (queue instanceof Error) return { state: 'unknown', why: `group:${input.folder} does not answer its queue query: ${queue.message}` };
    if (queue.current === input.turnId) return { state: 'held', why: `its turn ${input.turnId} runs in group:${input.folder}` };
    if (queue.jobs.includes(input.turnId)) return { state: 'held', why: `queued in group:${input.folder}` };
  }
  // Not in the group (any more): the turn may have run (the group told us, or tried to), or
  // still run after its group was terminated (turns are abandoned, not ended, with it).
  const turn = await client.workflow
    .getHandle(input.turnId)
    .describe()
    .catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    });
  // A run of the turn from before this task run (a failed one `babybot retry` repeats) is not its answer.
  if (turn && turn.startTime.getTime() >= Date.parse(input.since)) {
    const status = turn.status.name;
    if (status === 'RUNNING') return { state: 'held', why: `its turn ${input.turnId} runs (its group's workflow is ${groupRun?.status.name ?? 'gone'})` };
    if (status === 'COMPLETED') {
      const result = (await client.workflow.getHandle(input.turnId, turn.runId).result()) as AgentTurnResult;
      return { state: 'ended', outcome: { ok: true, result } };
    }
    const reason = (await closingReason(client, input.turnId, turn.runId)) ?? status.toLowerCase();
    return { state: 'ended', outcome: { ok: false, type: 'TurnFailed', message: `its turn ${input.turnId} ended ${status.toLowerCase()}: ${reason}` } };
  }
  const where = groupRun ? `group:${input.folder} (${groupRun.status.name.toLowerCase()}) does not hold it` : `group:${input.folder} does not exist`;
  return { state: 'lost', why: `${where}, and its turn has not run` };
}

/**
 * A group's queue query, bounded in time: a group whose workflow tasks fail cannot answer
 * (the query waits on a worker that cannot run it), and a caller must not hang with it.
 */
export function askQueue(group: WorkflowHandle, ms = QUERY_TIMEOUT_MS): Promise<GroupQueue> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([group.query(queueQuery), timeout]).finally(() => clearTimeout(timer));
}

export type GroupQueue = { queued: string[]; jobs: string[]; current?: string };

/** The turn the group's workflow runs now (its queue query), or undefined when it runs none or is not running. */
export async function currentTurnOf(client: Client, folder: string): Promise<string | undefined> {
  const group = client.workflow.getHandle(groupWorkflowId(folder));
  const run = await group.describe().catch((error: unknown) => {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  });
  if (run?.status.name !== 'RUNNING') return undefined;
  return (await askQueue(group)).current;
}
