// The workflow a task's Schedule starts (`task:<folder>:<id>-<time>`): one agent turn with
// the task's prompt, its answer delivered to the group's chat like any reply.
//
// The turn itself runs in the group's queue (a job signalled to `group:<folder>`), after
// any turn already running there and never beside one, as the child turn
// `turn:<folder>:task-<id>-<time>`. This run waits until the group says how that turn
// ended, and ends the same way: the Schedule sees it running while its turn is queued or
// running, so overlap SKIP stays exact (a firing due meanwhile is skipped), and a failure
// fails this very run, the one the Schedules page and `babybot tasks list` point at.
//
// A group terminated, reset or migrated while it holds the job never sends that signal, and
// with overlap SKIP every firing meanwhile would be skipped: so the run waits in slices
// (GROUP_JOB_CHECK) and between them asks where its job stands. Lost: it queues it again,
// under the same job id (a group that still has it ignores the repeat); its turn ended
// without a word (its group was gone): it ends as the turn did.
import { ApplicationFailure, condition, isCancellation, log, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ChannelActivities, FindGroupJobInput, GroupJobState, QueueGroupTurnInput } from '../contracts/activities.js';
import { jobDoneSignal } from './group.js';
import { turnWorkflowId } from '../contracts/ids.js';
import { PATCHES } from '../contracts/patches.js';
import { queuesOf } from '../contracts/task-queue-names.js';
import type { AgentTurnResult, JobOutcome, ScheduledTaskInput } from '../contracts/types.js';

/** Longer than any turn can take (its bound plus a day of delivery), so only a group that holds the job for good leaves a run waiting this long. */
const WAIT_FOR_TURN = '48h';
const WAIT_FOR_TURN_MS = 48 * 3600_000;
/** The check's period when the queueing step did not say (it always does since the check exists). */
const DEFAULT_CHECK_MS = 5 * 60_000;

export async function scheduledTaskWorkflow(input: ScheduledTaskInput): Promise<AgentTurnResult> {
  const info = workflowInfo();
  const { queueGroupTurn, findGroupJob } = proxyActivities<ChannelActivities>({
    taskQueue: queuesOf(info.taskQueue).channel,
    // Waits for the channel without a count limit, like every channel step (activities/channel-step.ts).
    startToCloseTimeout: '1m',
    heartbeatTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
  });
  // One job per run of this workflow: a `babybot retry` of it (a new run) queues a new one.
  const jobId = `${info.workflowId}:${info.runId}`;
  let outcome: JobOutcome | undefined;
  setHandler(jobDoneSignal, (done) => {
    if (done.jobId === jobId) outcome = done;
  });
  const firing = info.workflowId.slice(`task:${input.folder}:`.length);
  const turnId = turnWorkflowId(input.folder, `task-${firing}`);
  const request: QueueGroupTurnInput = {
    folder: input.folder,
    taskId: input.task.taskId,
    job: {
      id: jobId,
      turnId,
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
  };
  const queued = await queueGroupTurn.executeWithOptions({ summary: `queue in group:${input.folder}` }, [request]);
  if (patched(PATCHES.taskRunChecksGroup.id)) {
    const checkMs = queued.checkEveryMs ?? DEFAULT_CHECK_MS;
    const since = info.runStartTime.toISOString();
    for (let waitedMs = 0; !(await condition(() => outcome !== undefined, checkMs)); ) {
      waitedMs += checkMs;
      if (waitedMs >= WAIT_FOR_TURN_MS) notRun();
      const found = await checkJob(findGroupJob, { folder: input.folder, turnId, since });
      if (found.state === 'ended') {
        outcome = { jobId, ...found.outcome };
        break;
      }
      if (found.state === 'lost') {
        log.warn('the group lost this run\'s job; queueing it again', { why: found.why });
        await queueGroupTurn.executeWithOptions({ summary: `queue again in group:${input.folder}: ${found.why}` }, [request]);
      }
    }
  } else if (!(await condition(() => outcome !== undefined, WAIT_FOR_TURN))) {
    notRun();
  }
  const done = outcome!;
  if (done.ok) return done.result;
  // The turn has told the chat already; this run fails with the same cause.
  throw ApplicationFailure.nonRetryable(done.message, done.type);
}

/** A check that fails (the channel's worker restarting) is no news: the run waits on. */
async function checkJob(findGroupJob: ChannelActivities['findGroupJob'], input: FindGroupJobInput): Promise<GroupJobState> {
  try {
    return await findGroupJob(input);
  } catch (error) {
    if (isCancellation(error)) throw error;
    return { state: 'unknown', why: (error as Error).message };
  }
}

function notRun(): never {
  throw ApplicationFailure.nonRetryable(`the group's queue did not run this task within ${WAIT_FOR_TURN}.`, 'TaskNotRun');
}
