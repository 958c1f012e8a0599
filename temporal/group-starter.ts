// Hands a stored message to its group's workflow with signalWithStart: the workflow is
// started if it is not running, and the message is queued either way. Task runs and
// retried turns take the same way in, as jobs.
import { WithStartWorkflowOperation, WorkflowUpdateStage, type Client } from '@temporalio/client';
import type { Group, StoredMessage } from '../lib/store/store.js';
import { groupWorkflow, jobSignal, messageSignal } from '../workflows/group.js';
import { commandUpdate, commandUpdateId } from '../workflows/group-commands.js';
import { groupWorkflowId } from '../contracts/ids.js';
import { messageRef } from '../contracts/message-ref.js';
import { babybotAttributes } from '../contracts/search-attributes.js';
import type { TaskQueues } from '../contracts/task-queue-names.js';
import type { GroupCommand, GroupJob, GroupWorkflowInput } from '../contracts/types.js';

/** Turns per group workflow run before continue-as-new (tests lower it). */
export const DEFAULT_TURNS_PER_RUN = 100;


/** The group workflow's start arguments, for a signalWithStart that may have to start it. */
function startOptions(queues: Pick<TaskQueues, 'workflows'>, group: Pick<Group, 'folder' | 'jid' | 'name'>, turnsPerRun: number) {
  return {
    workflowId: groupWorkflowId(group.folder),
    taskQueue: queues.workflows,
    args: [{ folder: group.folder, chat: group.jid, queue: [], handled: [], turnsPerRun }] as [GroupWorkflowInput],
    typedSearchAttributes: babybotAttributes({ group: group.folder, chat: group.jid, kind: 'group' }),
    memo: { name: group.name },
    staticSummary: `Conversation of ${group.name}`,
  };
}

/**
 * localChannel: this process runs workflow tasks too, so the turns may read their context and
 * deliver in it (local activities); told with each message, so a process that changes its
 * queues is believed from its next message on.
 */
export function createGroupStarter(client: Client, queues: TaskQueues, turnsPerRun: number, localChannel = false) {
  return async (group: Group, message: StoredMessage): Promise<void> => {
    await client.workflow.signalWithStart(groupWorkflow, {
      ...startOptions(queues, group, turnsPerRun),
      signal: messageSignal,
      // A reference, bounded in bytes, never the text: the turn reads that from the store.
      signalArgs: [{ ...messageRef(message), ...(localChannel ? { localChannel } : {}) }],
    });
  };
}

/**
 * Puts a job (a task run's turn, a retried turn) into the group's queue: it runs after the
 * turn running there, never beside it, like a message.
 */
export async function queueGroupJob(
  client: Client,
  queues: Pick<TaskQueues, 'workflows'>,
  group: Pick<Group, 'folder' | 'jid' | 'name'>,
  job: GroupJob,
  turnsPerRun = DEFAULT_TURNS_PER_RUN,
): Promise<void> {
  await client.workflow.signalWithStart(groupWorkflow, {
    ...startOptions(queues, group, turnsPerRun),
    signal: jobSignal,
    signalArgs: [job],
  });
}

/**
 * Gives a chat command to the group's workflow as an update (started with it when the group is
 * not running): answered beside the running turn, never queued behind it. Returns once the
 * workflow has accepted it (it is then in the group's history); the reply is the workflow's to
 * deliver. The update id is the command's message, so handing it over again is one update.
 */
export function createCommandSender(client: Client, queues: TaskQueues, turnsPerRun: number) {
  return async (group: Group, command: GroupCommand): Promise<void> => {
    const startWorkflowOperation = new WithStartWorkflowOperation(groupWorkflow, {
      ...startOptions(queues, group, turnsPerRun),
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    await client.workflow.startUpdateWithStart(commandUpdate, {
      args: [command],
      updateId: commandUpdateId(group.folder, command),
      waitForStage: WorkflowUpdateStage.ACCEPTED,
      startWorkflowOperation,
    });
  };
}
