// One long-lived workflow per group (`group:<folder>`): it queues the group's messages
// and runs one agent turn at a time, so turns in a group are serialised in arrival order
// while groups run side by side. This replaces NanoClaw's polling loop and per-group queue.
// Task runs and `babybot retry` come in the same way, as jobs, so nothing runs beside a
// turn of the group. The chat a turn answers is not held here: each turn reads it from the
// registered group, so a folder moved to another chat is answered there.
import {
  allHandlersFinished,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  setHandler,
  sleep,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
  ApplicationFailure,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { agentTurnWorkflow } from './agent-turn.js';
import { turnWorkflowId } from '../contracts/ids.js';
import { babybotAttributes } from '../contracts/search-attributes.js';
import type { AgentTurnInput, AgentTurnResult, GroupJob, GroupWorkflowInput, InboundMessage, JobOutcome } from '../contracts/types.js';

export const messageSignal = defineSignal<[InboundMessage]>('message');
/** A task run or a `babybot retry` asking for a turn in this group's queue. */
export const jobSignal = defineSignal<[GroupJob]>('job');
/** Sent by the group to the run that waits for a job (a task run) once its turn has ended. */
export const jobDoneSignal = defineSignal<[JobOutcome]>('jobDone');
export const queueQuery = defineQuery<{ queued: string[]; jobs: string[]; current?: string }>('queue');

/** How many handled ids to remember: enough to recognise any redelivery the channel could make. */
const HANDLED_MEMORY = 1000;

/** Pauses between attempts to start a turn that could not start: 1 s doubling to a minute. */
const startRetryMs = (failures: number) => Math.min(1000 * 2 ** failures, 60_000);

interface TurnToStart {
  turnId: string;
  input: AgentTurnInput;
  chat: string;
  memo: Record<string, unknown>;
  summary: string;
}

type Started = { kind: 'ended'; outcome: { ok: true; result: AgentTurnResult } | { ok: false; type: string; message: string } } | { kind: 'already-ran' } | { kind: 'not-started' };

export async function groupWorkflow(input: GroupWorkflowInput): Promise<void> {
  const queue = [...input.queue];
  const jobs = [...(input.jobs ?? [])];
  const handled = new Set(input.handled);
  let current: string | undefined;

  // Handlers only enqueue: the main loop below does the work, one turn at a time.
  setHandler(messageSignal, (message) => {
    if (handled.has(message.id) || queue.some((queued) => queued.id === message.id)) return;
    queue.push(message);
    // Signals sent at the same moment may arrive out of order; the chat's order is the store's.
    queue.sort((a, b) => a.seq - b.seq);
  });
  setHandler(jobSignal, (job) => {
    if (handled.has(job.id) || jobs.some((queued) => queued.id === job.id)) return;
    jobs.push(job);
  });
  setHandler(queueQuery, () => ({ queued: queue.map((m) => m.id), jobs: jobs.map((j) => j.turnId), current }));

  let turns = 0;
  let startFailures = 0;
  // Messages and jobs take turns, so neither waits behind a stream of the other.
  let jobNext = false;
  for (;;) {
    const timeToRollOver = () => turns >= input.turnsPerRun || workflowInfo().continueAsNewSuggested;
    await condition(() => queue.length > 0 || jobs.length > 0 || timeToRollOver());
    if (timeToRollOver()) break;

    const runJob: boolean = jobs.length > 0 && (queue.length === 0 || jobNext);
    let started: Started;
    if (runJob) {
      const job = jobs[0];
      current = job.turnId;
      started = await runTurn(job);
      if (started.kind !== 'not-started') {
        jobs.shift();
        handled.add(job.id);
        if (job.replyTo) await tellWaitingRun(job, started);
      }
    } else {
      // Everything that arrived while the last turn ran is answered together, in order.
      const batch = [...queue];
      current = turnWorkflowId(input.folder, batch[0].id);
      started = await runTurn(
        {
          turnId: current,
          // Its channel steps may run in the channel's process when the channel that received
          // the newest message runs workflow tasks too (the flag is absent in older histories).
          input: { folder: input.folder, kind: 'message', messages: batch, ...(batch.at(-1)?.localChannel ? { localSteps: true } : {}) },
          chat: batch[0].chat,
          memo: {
            text: batch.map((m) => m.text).join('\n').slice(0, 500),
            sender: batch[0].senderName ?? batch[0].sender,
            messageIds: batch.map((m) => m.id),
          },
          summary: batch[0].text.slice(0, 100),
        },
        // Marked handled only once the turn has started, so a start that fails loses nothing.
        () => {
          for (const message of batch) {
            handled.add(message.id);
            queue.splice(queue.findIndex((queued) => queued.id === message.id), 1);
          }
        },
      );
    }
    current = undefined;
    if (started.kind === 'not-started') {
      // Kept queued: wait, then try again (the messages are in the store and in this queue).
      await sleep(startRetryMs(startFailures++));
      continue;
    }
    startFailures = 0;
    jobNext = !runJob;
    turns++;
  }

  await condition(allHandlersFinished);
  await continueAsNew<typeof groupWorkflow>({
    ...input,
    queue,
    jobs,
    handled: [...handled].slice(-HANDLED_MEMORY),
  });
}

/** Starts one turn as a child and waits for it; onStarted runs as soon as the child exists. */
async function runTurn(turn: TurnToStart, onStarted?: () => void): Promise<Started> {
  let child;
  try {
    child = await startChild(agentTurnWorkflow, {
      workflowId: turn.turnId,
      args: [turn.input],
      // A turn that already ran (a redelivery after continue-as-new) is not run again; a
      // failed one may be run again by `babybot retry`.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: babybotAttributes({ group: turn.input.folder, chat: turn.chat, kind: turn.input.kind }),
      memo: turn.memo,
      staticSummary: turn.summary,
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      // The same turn id ran or runs already (a redelivery): its messages are being answered.
      log.info('turn already ran', { turn: turn.turnId });
      onStarted?.();
      return { kind: 'already-ran' };
    }
    log.error('could not start the turn; it stays queued and is tried again', { turn: turn.turnId, error: (error as Error).message });
    return { kind: 'not-started' };
  }
  onStarted?.();
  try {
    return { kind: 'ended', outcome: { ok: true, result: await child.result() } };
  } catch (error) {
    // The turn has already told the user and shows as Failed in the Web UI; the group goes on.
    const cause = error instanceof ChildWorkflowFailure ? error.cause : error;
    const type = cause instanceof ApplicationFailure ? (cause.type ?? 'TurnFailed') : 'TurnFailed';
    const message = (cause as Error | undefined)?.message ?? String(error);
    log.warn('turn failed', { turn: turn.turnId, error: message });
    return { kind: 'ended', outcome: { ok: false, type, message } };
  }
}

/** Tells a waiting task run how its turn ended; a run that is gone (cancelled, timed out) is no one to tell. */
async function tellWaitingRun(job: GroupJob, started: Exclude<Started, { kind: 'not-started' }>): Promise<void> {
  const outcome: JobOutcome =
    started.kind === 'ended'
      ? { jobId: job.id, ...started.outcome }
      : { jobId: job.id, ok: false, type: 'TurnAlreadyRan', message: `the turn ${job.turnId} already ran.` };
  try {
    await getExternalWorkflowHandle(job.replyTo!.workflowId, job.replyTo!.runId).signal(jobDoneSignal, outcome);
  } catch (error) {
    log.warn('the run waiting for a job is gone', { job: job.id, error: (error as Error).message });
  }
}
