// A group workflow as a test drives it: start it, signal it, and wait for what Temporal
// confirms about it (its queue query, a turn's result), never for a length of time.
import type { Client } from '@temporalio/client';
import { groupWorkflowId } from '../../contracts/ids.js';
import type { TaskQueues } from '../../contracts/task-queue-names.js';
import type { AgentTurnResult, GroupWorkflowInput, InboundMessage } from '../../contracts/types.js';
import { groupWorkflow, queueQuery } from '../../workflows/group.js';
import { eventually } from '../support/eventually.js';
import { groupIdle } from '../support/group-idle.js';

const WAIT_MS = 10_000;

export function groupProbe(client: Client, folder: string) {
  /** The group's queue, read from its latest run: a query sees every signal accepted before it. */
  const queue = () => client.workflow.getHandle(groupWorkflowId(folder)).query(queueQuery);
  return {
    start(queues: TaskQueues, options: { queue?: InboundMessage[]; turnsPerRun?: number } & Pick<GroupWorkflowInput, 'turnTimeoutMs' | 'runMaxAgeMs'> = {}) {
      const { queue = [], turnsPerRun = 100, ...bounds } = options;
      return client.workflow.start(groupWorkflow, {
        workflowId: groupWorkflowId(folder),
        taskQueue: queues.workflows,
        args: [{ folder, chat: `local:${folder}`, queue, handled: [], turnsPerRun, ...bounds }],
      });
    },
    queue,
    turnRunning: (turnId: string) =>
      eventually(async () => (await queue()).current === turnId, { timeoutMs: WAIT_MS, what: `${turnId} to be the group's current turn` }),
    /** Nothing queued, no turn running: every message signalled so far has had its turn. */
    idle: () => groupIdle(client, folder, WAIT_MS),
    result: (turnId: string): Promise<AgentTurnResult> => client.workflow.getHandle(turnId).result(),
  };
}
