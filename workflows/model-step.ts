// How a turn asks the model: one model step, and when the model is not pulled yet (and
// OLLAMA_PULL allows it) a pull step of its own first, with a timeout sized for a
// multi-gigabyte download, then the same question again. Also the bounds on what a turn
// may write into Temporal's history, so a runaway tool loop fails the turn with a message
// to the user instead of a workflow the server terminates while no one is told.
import { ActivityFailure, ApplicationFailure, proxyActivities, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { ModelActivities } from '../contracts/activities.js';
import type { ChatMessage, ModelChatInput, ModelReply } from '../contracts/types.js';

/** One model step's input (the conversation so far), in JSON characters: under Temporal's 2 MB payload limit. */
export const STEP_INPUT_LIMIT = 1_000_000;
/** All model steps of one turn together: well under Temporal's 50 MB history limit. */
export const TURN_INPUT_LIMIT = 16_000_000;

export function modelSteps(model: ActivityInterfaceFor<ModelActivities>, modelQueue: string) {
  const pull = proxyActivities<ModelActivities>({
    taskQueue: modelQueue,
    // A 4-5 GB model on a slow line; the heartbeats carry the progress, so a dead worker
    // is still noticed within two minutes.
    startToCloseTimeout: '6h',
    heartbeatTimeout: '2m',
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5, nonRetryableErrorTypes: ['ModelNotAvailable'] },
  });
  let pulled = false;
  let sentChars = 0;

  return async function ask(input: ModelChatInput, step: number): Promise<ModelReply> {
    sentChars = checkTurnSize(input.messages, step, sentChars);
    const summary = `model step ${step}`;
    try {
      return await model.chat.executeWithOptions({ summary }, [input]);
    } catch (error) {
      const missing = notPulled(error);
      if (!missing || pulled) throw error;
      pulled = true;
      await pull.pullModel.executeWithOptions({ summary: `pull ${missing}` }, [{ model: missing }]);
      return await model.chat.executeWithOptions({ summary: `${summary} (after the pull)` }, [input]);
    }
  };
}

/** The model a ModelNotPulled failure names, if that is what the step failed with. */
function notPulled(error: unknown): string | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  if (!(cause instanceof ApplicationFailure) || cause.type !== 'ModelNotPulled') return undefined;
  const details = cause.details?.[0] as { model?: string } | undefined;
  return details?.model;
}

/** Throws TurnTooLarge (the user is told) before a step would break Temporal's limits. */
export function checkTurnSize(messages: ChatMessage[], step: number, sentSoFar: number): number {
  const size = JSON.stringify(messages).length;
  const total = sentSoFar + size;
  if (size > STEP_INPUT_LIMIT || total > TURN_INPUT_LIMIT) {
    const kb = (n: number) => `${Math.round(n / 1000)} KB`;
    throw ApplicationFailure.nonRetryable(
      `This turn grew too large to run: model step ${step} would carry ${kb(size)} of conversation and tool output ` +
        `(${kb(total)} for the turn; the limits are ${kb(STEP_INPUT_LIMIT)} per step and ${kb(TURN_INPUT_LIMIT)} per turn). ` +
        'Ask again in smaller parts, or ask for less output at a time.',
      'TurnTooLarge',
    );
  }
  return total;
}
