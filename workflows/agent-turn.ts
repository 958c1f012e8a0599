// One agent turn: load the group's context, then ask the model and run its tool calls
// until it answers or reaches the step limit, then deliver the answer exactly once.
// Every step is an activity, so the Web UI shows what the model was asked, what it
// answered and what each tool returned; a failed turn fails here, visibly, after the
// user has been told.
//
// The chat a turn answers is the registered group's chat at this turn (from the store,
// through loadTurnContext), never one frozen into a long-lived input. Side effects are
// keyed by this run: a retry of a step repeats nothing, while a new run (a Reset, a
// `babybot retry`) is a new attempt at the turn and answers again.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  workflowInfo,
} from '@temporalio/workflow';
import { CHANNEL_ELSEWHERE, TURN_OUT_OF_ORDER } from '../contracts/activities.js';
import { turnBoundMs } from '../contracts/turn-bound.js';
import type { AgentTurnInput, AgentTurnResult, TurnContext } from '../contracts/types.js';
import { describeFailure, runConversation, withinBound } from './agent-loop.js';
import { delegator } from './delegate.js';
import { turnActivities, type TurnActivities } from './turn-activities.js';

/** Failures after which nobody in the chat is told: the chat is not the turn's any more, or a person's Reset was refused. */
const NOBODY_TO_TELL = new Set(['GroupNotRegistered', TURN_OUT_OF_ORDER]);

export async function agentTurnWorkflow(input: AgentTurnInput): Promise<AgentTurnResult> {
  const info = workflowInfo();
  const { channel, notice, local } = turnActivities();
  const inProcess = input.localSteps === true;
  // A run that is not the turn's first is a Web UI Reset (turns neither continue as new nor
  // retry; `babybot retry` starts a new execution). Its channel steps first check that the
  // group names this turn as its current one, so a Reset of a turn the group has moved past
  // is refused (saying to use `babybot retry`) instead of answering beside the group's order.
  // The same on replay (both ids are the run's own), and only activity inputs carry it.
  const rerun = info.runId !== info.firstExecutionRunId ? { rerun: true } : {};
  try {
    // Summaries name each step in the Web UI's timeline; they are not part of replay.
    const contextStep = { summary: `context of ${input.folder}` };
    const contextRequest = { folder: input.folder, messages: input.messages, task: input.task, ...rerun };
    const context = await channelStep(
      inProcess,
      () => local.loadTurnContext.executeWithOptions(contextStep, [contextRequest]),
      () => channel.loadTurnContext.executeWithOptions(contextStep, [contextRequest]),
    );
    const activities = turnActivities(context.limits, context.group.isMain);
    const chat = context.group.chat;
    // A call that waits for the owner may wait APPROVAL_TIMEOUT on top of the turn's own bound.
    const bound = turnBoundMs(context.limits) + (context.approve?.timeoutMs ?? 0);
    const timedOut = `the turn was still working after ${Math.round(bound / 60_000)} minutes (its time bound), so it was stopped. Ask again, perhaps in smaller parts.`;
    const interim = (text: string) => sendInterim(text, context, activities, rerun);
    const answer = await withinBound(bound, () => runConversation(context, activities, rerun, { delegate: delegator(context, activities), interim }), 'TurnTimedOut', timedOut);
    if (answer.reply) {
      // Keyed by this run: a retried delivery sends nothing twice (also when the local attempt
      // sent it and the channel queue's attempt follows); a Reset or retried run answers anew.
      const deliveryStep = { summary: `${answer.stoppedAtStepLimit ? 'step limit notice' : 'reply'} to ${chat}` };
      const request = { key: `reply:${info.workflowId}:${info.runId}`, chat, text: answer.reply, ...rerun };
      await channelStep(
        inProcess,
        () => local.deliver.executeWithOptions(deliveryStep, [request]),
        () => activities.delivery.deliver.executeWithOptions(deliveryStep, [request]),
      );
    }
    return answer;
  } catch (error) {
    const reason = describeFailure(error);
    if (!NOBODY_TO_TELL.has(reason.type)) {
      // A task's turn names its task run, the one its Schedule and `babybot tasks list` point at.
      const shown = input.task?.run ?? { workflowId: info.workflowId, runId: info.runId };
      // Tell the user once (keyed by this run), in a scope a cancellation cannot stop, so a
      // cancelled turn is told too; a notice that fails is logged, and the run keeps its own cause.
      await CancellationScope.nonCancellable(async () => {
        try {
          await notice.notifyTurnFailed.executeWithOptions({ summary: `tell ${input.folder}: ${reason.type}` }, [
            {
              key: `failure:${info.workflowId}:${info.runId}`,
              folder: input.folder,
              workflowId: shown.workflowId,
              runId: shown.runId,
              reason: reason.message,
            },
          ]);
        } catch (noticeError) {
          log.warn('the failure notice could not be sent', { error: describeFailure(noticeError).message });
        }
      });
    }
    // A cancelled run shows as Cancelled in the Web UI, with the cancellation as its cause.
    if (reason.type === 'TurnCancelled') throw error;
    throw ApplicationFailure.create({ type: reason.type, message: reason.message, nonRetryable: true, cause: error as Error });
  }
}

/**
 * Runs a channel step in this worker's process when the turn may (its messages came through
 * a channel process that runs workflow tasks too), saving a workflow task and an activity's
 * round trip through the server; otherwise, or when the local attempt did not succeed, as a
 * regular activity on the channel queue, with that step's own timeouts and retries. A worker
 * whose process has no channel fails the local attempt at once (CHANNEL_ELSEWHERE), and that
 * outcome is in the history like any other: a replay on any worker takes the same path.
 */
async function channelStep<T>(inProcess: boolean, runLocal: () => Promise<T>, runOnQueue: () => Promise<T>): Promise<T> {
  if (inProcess) {
    try {
      return await runLocal();
    } catch (error) {
      // A final answer (the group is not registered, the channel needs a person) stays final.
      if (isCancellation(error) || isFinalFailure(error)) throw error;
    }
  }
  return runOnQueue();
}

function isFinalFailure(error: unknown): boolean {
  // A local activity's failure may reach the workflow unwrapped (no ActivityFailure around it).
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure && cause.nonRetryable === true && cause.type !== CHANNEL_ELSEWHERE;
}

/**
 * Sends the interim message, keyed by this run (a retried step sends it once). It is not
 * worth failing or holding the turn for: a failure is logged and the turn goes on; a
 * cancellation or a refused Reset still ends it.
 */
async function sendInterim(text: string, context: TurnContext, activities: TurnActivities, rerun: { rerun?: boolean }): Promise<void> {
  const info = workflowInfo();
  const request = { key: `interim:${info.workflowId}:${info.runId}`, chat: context.group.chat, text, interim: true, ...rerun };
  try {
    await activities.interim.deliver.executeWithOptions({ summary: `interim message to ${context.group.chat}` }, [request]);
  } catch (error) {
    const reason = describeFailure(error);
    if (isCancellation(error) || reason.type === TURN_OUT_OF_ORDER) throw error;
    log.warn('the interim message was not sent', { error: reason.message });
  }
}
