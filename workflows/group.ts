// One long-lived workflow per group (`group:<folder>`): it queues the group's messages
// and runs one agent turn at a time, so turns in a group are serialised in arrival order
// while groups run side by side. This replaces NanoClaw's polling loop and per-group queue.
// Task runs and `babybot retry` come in the same way, as jobs, so nothing runs beside a
// turn of the group. The chat a turn answers is not held here: each turn reads it from the
// registered group, so a folder moved to another chat is answered there.
import {
  allHandlersFinished,
  ChildWorkflowFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  TimeoutFailure,
  TerminatedFailure,
  WorkflowIdReusePolicy,
  workflowInfo,
  ApplicationFailure,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { agentTurnWorkflow } from './agent-turn.js';
import { agentResultSignal } from './agent-signals.js';
import { PENDING_RESULTS_MAX } from '../contracts/agent-bounds.js';
import { commandHandler, commandUpdate, type RunningTurn } from './group-commands.js';
import type { ChannelActivities, TurnFailedNotice } from '../contracts/activities.js';
import { boundUtf8 } from '../contracts/bytes.js';
import { messageKey, messageTurnWorkflowId, turnWorkflowId } from '../contracts/ids.js';
import { asRef, nextBatch, QUEUE_MAX_BYTES, refBytes } from '../contracts/message-ref.js';
import { PATCHES } from '../contracts/patches.js';
import { babybotAttributes } from '../contracts/search-attributes.js';
import { queuesOf } from '../contracts/task-queue-names.js';
import type { AgentReport, AgentTurnInput, AgentTurnResult, GroupJob, GroupWorkflowInput, InboundMessage, JobOutcome, TurnFailure } from '../contracts/types.js';

export const messageSignal = defineSignal<[InboundMessage]>('message');
/** A task run or a `babybot retry` asking for a turn in this group's queue. */
export const jobSignal = defineSignal<[GroupJob]>('job');
/** Sent by the group to the run that waits for a job (a task run) once its turn has ended. */
export const jobDoneSignal = defineSignal<[JobOutcome]>('jobDone');
export const queueQuery = defineQuery<{ queued: string[]; jobs: string[]; current?: string }>('queue');

/** How many handled ids to remember: enough to recognise any redelivery the channel could make. */
const HANDLED_MEMORY = 1000;

/**
 * How long a turn may run before the server stops it (its run timeout, which holds even when
 * the turn's workflow tasks fail forever): the turn's own bound (AGENT_MAX_STEPS × MODEL_TIMEOUT
 * + 10 minutes, 70 minutes by default) plus the day its reply may wait for a reconnecting channel.
 */
export const DEFAULT_TURN_TIMEOUT_MS = 26 * 3600_000;

/** An idle run continues as new once it is a day old, so no run (and no old code path) stays in flight for months. */
export const DEFAULT_RUN_MAX_AGE_MS = 24 * 3600_000;

/** Pauses between attempts to start a turn that could not start: 1 s doubling to a minute. */
const startRetryMs = (failures: number) => Math.min(1000 * 2 ** failures, 60_000);

/**
 * Tells the group's chat what the group itself did (a turn it stopped, a flood it refused):
 * short and best effort like a turn's own notice, keyed so a retry tells once, in a scope a
 * cancellation cannot stop. A notice that fails is logged; the group goes on either way.
 */
async function tellChat(notice: TurnFailedNotice, summary: string): Promise<void> {
  const { notifyTurnFailed } = proxyActivities<ChannelActivities>({
    taskQueue: queuesOf(workflowInfo().taskQueue).channel,
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: '2m',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
  });
  await CancellationScope.nonCancellable(async () => {
    try {
      await notifyTurnFailed.executeWithOptions({ summary }, [notice]);
    } catch (error) {
      log.warn('the notice could not be sent', { key: notice.key, error: (error as Error).message });
    }
  });
}

interface TurnToStart {
  turnId: string;
  input: AgentTurnInput;
  chat: string;
  memo: Record<string, unknown>;
  summary: string;
  /** The group's bound on the turn (its run timeout). */
  timeoutMs: number;
  /** Who sent the message that started it: that member may /stop it. */
  starter?: string;
}

type Ended = { ok: true; result: AgentTurnResult } | { ok: false; type: string; message: string };
type Started = { kind: 'ended'; outcome: Ended; runId: string } | { kind: 'already-ran' } | { kind: 'not-started' };

export async function groupWorkflow(input: GroupWorkflowInput): Promise<void> {
  // A queue carried from a run recorded before references holds full texts: references from here on.
  const queue = input.queue.map(asRef);
  const jobs = [...(input.jobs ?? [])];
  const handled = new Set(input.handled);
  const turnTimeoutMs = input.turnTimeoutMs ?? DEFAULT_TURN_TIMEOUT_MS;
  // Runs recorded before these patches replay on their old path (docs/architecture.md, "Changing workflow code").
  const refs = patched(PATCHES.messageRefs.id);
  const keyOf = (message: InboundMessage) => (refs ? messageKey(input.folder, message.chat, message.id) : message.id);
  let queueBytes = queue.reduce((sum, message) => sum + refBytes(message), 0);
  const refused = { count: 0, notices: 0 };
  let current: string | undefined;
  let running: RunningTurn | undefined;
  let lastFailure: TurnFailure | undefined = input.lastFailure;

  // Handlers only enqueue: the main loop below does the work, one turn at a time.
  setHandler(messageSignal, (signalled) => {
    const message = asRef(signalled);
    const key = keyOf(message);
    if (handled.has(key) || queue.some((queued) => keyOf(queued) === key)) return;
    const bytes = refBytes(message);
    if (refs && queueBytes + bytes > QUEUE_MAX_BYTES) {
      // The message is stored (the chat's history shows it) but not queued: the chat is told below.
      refused.count++;
      return;
    }
    queue.push(message);
    queueBytes += bytes;
    // Signals sent at the same moment may arrive out of order; the chat's order is the store's.
    queue.sort((a, b) => a.seq - b.seq);
  });
  setHandler(jobSignal, (job) => {
    if (handled.has(job.id) || jobs.some((queued) => queued.id === job.id)) return;
    jobs.push(job);
  });
  // Background sub-agents' results (workflows/sub-agent.ts): delivered between turns, never during one.
  const reports: AgentReport[] = [...(input.agentResults ?? [])];
  setHandler(agentResultSignal, (report) => {
    const key = `agent-result:${report.result.agentId}`;
    if (handled.has(key) || reports.some((r) => r.result.agentId === report.result.agentId)) return;
    if (reports.length >= PENDING_RESULTS_MAX) {
      // Bounded: a flood of them is the group's own doing; each row in the store still says how its agent ended.
      log.warn('too many undelivered sub-agent results: one dropped', { agent: report.result.agentId });
      return;
    }
    reports.push(report);
  });
  setHandler(queueQuery, () => ({ queued: queue.map((m) => m.id), jobs: jobs.map((j) => j.turnId), current }));
  // Chat commands are answered beside the running turn, never queued behind it (group-commands.ts).
  setHandler(
    commandUpdate,
    commandHandler({
      folder: input.folder,
      running: () => running,
      queued: () => ({ messages: queue.length, jobs: jobs.length }),
      lastFailure: () => lastFailure,
      handled,
    }),
  );
  const track = (turn: RunningTurn | undefined) => (running = turn);

  // One timer per run, to its maximum age, never cancelled (a condition's own timeout would
  // add two events per turn). Asked at every wait, not once: a run started before the patch
  // replays without it, then starts it at its first wait on this code, so it rolls over too.
  let aged = false;
  let ageTimer = false;
  const startAgeTimer = () => {
    if (ageTimer || !patched(PATCHES.idleRollover.id)) return;
    ageTimer = true;
    const age = Date.now() - workflowInfo().runStartTime.getTime();
    sleep(Math.max(1, (input.runMaxAgeMs ?? DEFAULT_RUN_MAX_AGE_MS) - age)).then(
      () => (aged = true),
      () => {}, // cancelled with the run: nothing to do
    );
  };

  let turns = 0;
  let startFailures = 0;
  // Messages and jobs take turns, so neither waits behind a stream of the other.
  let jobNext = false;
  try {
    for (;;) {
      const timeToRollOver = () => turns >= input.turnsPerRun || aged || workflowInfo().continueAsNewSuggested;
      startAgeTimer();
      await condition(() => queue.length > 0 || jobs.length > 0 || refused.count > 0 || reports.length > 0 || timeToRollOver());
      if (refused.count > 0) await tellRefused(input.folder, refused);
      if (reports.length > 0) await deliverReports(input.folder, reports, handled);
      if (timeToRollOver()) break;
      if (queue.length === 0 && jobs.length === 0) continue;

      const runJob: boolean = jobs.length > 0 && (queue.length === 0 || jobNext);
      let started: Started;
      if (runJob) {
        const job = jobs[0];
        current = job.turnId;
        started = await runTurn({ ...job, timeoutMs: turnTimeoutMs }, track);
        if (started.kind !== 'not-started') {
          jobs.shift();
          handled.add(job.id);
          if (job.replyTo) await tellWaitingRun(job, started);
        }
      } else {
        // What arrived while the last turn ran is answered together, in order, as many as one
        // turn's input may carry; the rest in the next turns.
        const batch = refs ? nextBatch(queue) : [...queue];
        const first = batch[0];
        current = refs ? messageTurnWorkflowId(input.folder, first.chat, first.id) : turnWorkflowId(input.folder, first.id);
        const preview = (m: InboundMessage) => m.preview ?? '';
        started = await runTurn(
          {
            turnId: current,
            // Its channel steps may run in the channel's process when the channel that received
            // the newest message runs workflow tasks too (the flag is absent in older histories).
            input: { folder: input.folder, kind: 'message', messages: batch, ...(batch.at(-1)?.localChannel ? { localSteps: true } : {}) },
            chat: first.chat,
            memo: {
              text: boundUtf8(batch.map(preview).join('\n'), 500),
              sender: first.senderName ?? first.sender,
              // Each id bounded too: a sender's client chooses it.
              messageIds: batch.map((m) => boundUtf8(m.id, 120)),
            },
            summary: boundUtf8(preview(first), 100),
            timeoutMs: turnTimeoutMs,
            starter: first.sender,
          },
          track,
          // Marked handled only once the turn has started, so a start that fails loses nothing.
          () => {
            for (const message of batch) {
              handled.add(keyOf(message));
              queue.splice(queue.indexOf(message), 1);
              queueBytes -= refBytes(message);
            }
          },
        );
      }
      if (started.kind === 'ended' && !started.outcome.ok) {
        lastFailure = { turnId: current, runId: started.runId, type: started.outcome.type, message: boundUtf8(started.outcome.message, 300), at: new Date().toISOString() };
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
  } catch (error) {
    // Cancelled (from the Web UI or the command line): the running turn was cancelled with the
    // group and told its chat; what is queued is not lost, it is carried into the next run.
    if (!(isCancellation(error) && patched(PATCHES.cancelKeepsQueue.id))) throw error;
    log.info('the group was cancelled: its running turn stopped, its queue goes on in a new run', { queued: queue.length, jobs: jobs.length });
  }

  await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  await continueAsNew<typeof groupWorkflow>({
    ...input,
    queue,
    jobs,
    handled: [...handled].slice(-HANDLED_MEMORY),
    ...(lastFailure ? { lastFailure } : {}),
    ...(reports.length ? { agentResults: reports } : {}),
  });
}

/**
 * Delivers the background sub-agents' results that arrived, in arrival order, between two
 * turns. Each is keyed by its agent, so a retry (or a redelivered signal) sends it once; one
 * that cannot be delivered (the group removed) is logged and dropped: the store keeps its end.
 */
async function deliverReports(folder: string, reports: AgentReport[], handled: Set<string>): Promise<void> {
  const { deliverAgentResult } = proxyActivities<ChannelActivities>({
    taskQueue: queuesOf(workflowInfo().taskQueue).channel,
    startToCloseTimeout: '10m',
    heartbeatTimeout: '30s',
    scheduleToCloseTimeout: '1h',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s' },
  });
  while (reports.length > 0) {
    const report = reports[0];
    try {
      await deliverAgentResult.executeWithOptions({ summary: `result of ${report.result.agentId}` }, [{ folder, report }]);
    } catch (error) {
      log.warn('a sub-agent result could not be delivered', { agent: report.result.agentId, error: (error as Error).message });
    }
    reports.shift();
    handled.add(`agent-result:${report.result.agentId}`);
  }
}

/** Tells the chat how many messages a flood left unqueued (one notice per wave of them). */
async function tellRefused(folder: string, refused: { count: number; notices: number }): Promise<void> {
  const info = workflowInfo();
  const count = refused.count;
  refused.count = 0;
  refused.notices++;
  await tellChat(
    {
      key: `refused:${info.workflowId}:${info.runId}:${refused.notices}`,
      folder,
      workflowId: info.workflowId,
      runId: info.runId,
      reason:
        `${count} message(s) arrived faster than I can answer (this chat's queue holds ${QUEUE_MAX_BYTES / 1024} KB of waiting messages), ` +
        'so they were stored but not queued. Send again what still needs an answer once I have replied.',
    },
    `tell ${folder}: ${count} messages not queued`,
  );
}

/**
 * Starts one turn as a child and waits for it; onStarted runs as soon as the child exists.
 * While it runs, `track` holds how a /stop cancels it: the wait for it runs in a scope of its
 * own, so cancelling that scope cancels the child (which tells its chat) and not the group.
 */
async function runTurn(turn: TurnToStart, track: (running: RunningTurn | undefined) => void, onStarted?: () => void): Promise<Started> {
  // A child is cancelled with the scope it was started in: the group's own cancellation reaches
  // it through this scope's parent, a /stop through this scope alone.
  const waiting = new CancellationScope();
  let child;
  try {
    child = await waiting.run(() => startChild(agentTurnWorkflow, {
      workflowId: turn.turnId,
      args: [turn.input],
      // A turn that already ran (a redelivery after continue-as-new) is not run again; a
      // failed one may be run again by `babybot retry`.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: babybotAttributes({ group: turn.input.folder, chat: turn.chat, kind: turn.input.kind }),
      memo: turn.memo,
      staticSummary: turn.summary,
      // The group's bound on the turn, kept by the server: it holds even when the turn's own
      // code cannot run (its workflow tasks failing on a bug, a payload, a bad deploy).
      workflowRunTimeout: turn.timeoutMs,
    }));
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
  track({ turnId: turn.turnId, since: Date.now(), starter: turn.starter, stop: () => waiting.cancel() });
  const runId = child.firstExecutionRunId;
  try {
    return { kind: 'ended', outcome: { ok: true, result: await waiting.run(() => child.result()) }, runId };
  } catch (error) {
    const cause = error instanceof ChildWorkflowFailure ? error.cause : error;
    if (cause instanceof TimeoutFailure) {
      // Stopped by the server at the group's bound: the turn told no one, so the group does.
      const hours = Math.round((turn.timeoutMs / 3600_000) * 10) / 10;
      const message = `the turn was still running after ${hours} hours, the longest a turn may take, so it was stopped. Ask again, perhaps in smaller parts.`;
      log.warn('turn timed out', { turn: turn.turnId });
      await tellChat(
        { key: `timeout:${turn.turnId}:${child.firstExecutionRunId}`, folder: turn.input.folder, workflowId: turn.turnId, runId: child.firstExecutionRunId, reason: message },
        `tell ${turn.input.folder}: ${turn.turnId} timed out`,
      );
      return { kind: 'ended', outcome: { ok: false, type: 'TurnTimedOut', message }, runId };
    }
    if (cause instanceof TerminatedFailure && patched(PATCHES.terminatedTurnTold.id)) {
      // Terminated from the Web UI or the command line: the turn's code never runs again, so it told no one; the group does.
      await tellChat(
        {
          key: `terminated:${turn.turnId}:${child.firstExecutionRunId}`,
          folder: turn.input.folder,
          workflowId: turn.turnId,
          runId: child.firstExecutionRunId,
          reason: `the run was terminated before it finished (from the Web UI or the command line). Ask again, or run it again with \`babybot retry ${turn.turnId}\`.`,
        },
        `tell ${turn.input.folder}: ${turn.turnId} was terminated`,
      );
    }
    // The turn has already told the user and shows as Failed in the Web UI; the group goes on.
    const type = cause instanceof ApplicationFailure ? (cause.type ?? 'TurnFailed') : isCancellation(cause) ? 'TurnCancelled' : 'TurnFailed';
    const message = (cause as Error | undefined)?.message ?? String(error);
    log.warn('turn failed', { turn: turn.turnId, error: message });
    return { kind: 'ended', outcome: { ok: false, type, message }, runId };
  } finally {
    track(undefined);
  }
}

/** Tells a waiting task run how its turn ended; a run that is gone (cancelled, timed out) is no one to tell. */
async function tellWaitingRun(job: GroupJob, started: Exclude<Started, { kind: 'not-started' }>): Promise<void> {
  const outcome: JobOutcome =
    started.kind === 'ended'
      ? { jobId: job.id, ...started.outcome }
      : { jobId: job.id, ok: false, type: 'TurnAlreadyRan', message: `the turn ${job.turnId} already ran.` };
  // Told even when the group is being cancelled: the task run would wait for it otherwise.
  await CancellationScope.nonCancellable(async () => {
    try {
      await getExternalWorkflowHandle(job.replyTo!.workflowId, job.replyTo!.runId).signal(jobDoneSignal, outcome);
    } catch (error) {
      log.warn('the run waiting for a job is gone', { job: job.id, error: (error as Error).message });
    }
  });
}
