// The workflow a task's Schedule starts (`task:<folder>:<id>-<time>`): one agent turn with
// the task's prompt, its answer delivered to the group's chat like any reply.
//
// The turn itself runs in the group's queue (a job signalled to `group:<folder>`), after
// any turn already running there and never beside one, as the child turn
// `turn:<folder>:task-<id>-<time>`. This run waits until the group says how that turn
// ended, and ends the same way: the Schedule sees it running while its turn is queued or
// running, so overlap SKIP stays exact (a firing due meanwhile is skipped), and a failure
// fails this very run, the one the Schedules page and `babybot tasks list` point at.
import { ApplicationFailure, condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ChannelActivities } from '../contracts/activities.js';
import { jobDoneSignal } from './group.js';
import { turnWorkflowId } from '../contracts/ids.js';
import { queuesOf } from '../contracts/task-queue-names.js';
import type { AgentTurnResult, JobOutcome, ScheduledTaskInput } from '../contracts/types.js';

/** Longer than any turn can take (its bound plus a day of delivery), so only a lost group leaves a run waiting this long. */
const WAIT_FOR_TURN = '48h';

export async function scheduledTaskWorkflow(input: ScheduledTaskInput): Promise<AgentTurnResult> {
  const info = workflowInfo();
  const { queueGroupTurn } = proxyActivities<ChannelActivities>({
    taskQueue: queuesOf(info.taskQueue).channel,
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20 },
  });
  // One job per run of this workflow: a `babybot retry` of it (a new run) queues a new one.
  const jobId = `${info.workflowId}:${info.runId}`;
  let outcome: JobOutcome | undefined;
  setHandler(jobDoneSignal, (done) => {
    if (done.jobId === jobId) outcome = done;
  });
  const firing = info.workflowId.slice(`task:${input.folder}:`.length);
  await queueGroupTurn.executeWithOptions({ summary: `queue in group:${input.folder}` }, [
    {
      folder: input.folder,
      taskId: input.task.taskId,
      job: {
        id: jobId,
        turnId: turnWorkflowId(input.folder, `task-${firing}`),
        input: {
          folder: input.folder,
          kind: 'task',
          messages: [],
          task: { ...input.task, run: { workflowId: info.workflowId, runId: info.runId } },
        },
        memo: { prompt: input.task.prompt.slice(0, 500), taskRun: info.workflowId },
        summary: `Task: ${input.task.prompt.slice(0, 90)}`,
        replyTo: { workflowId: info.workflowId, runId: info.runId },
      },
    },
  ]);
  if (!(await condition(() => outcome !== undefined, WAIT_FOR_TURN))) {
    throw ApplicationFailure.nonRetryable(`the group's queue did not run this task within ${WAIT_FOR_TURN}.`, 'TaskNotRun');
  }
  const done = outcome!;
  if (done.ok) return done.result;
  // The turn has told the chat already; this run fails with the same cause.
  throw ApplicationFailure.nonRetryable(done.message, done.type);
}
