// /model <name> for a model Ollama does not have yet: the chat is told "pulling …", the model
// is pulled by the model queue's pull step (the same activity a turn uses for OLLAMA_MODEL,
// with its hours-long timeout and progress heartbeats), and the chat is told the result. The
// pull runs in the command's update handler, outside the chain of settings commands, so a
// /new, /stop or /status sent meanwhile is answered at once and the group's turns go on.
import { ActivityFailure, ApplicationFailure, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ChannelActivities, ModelActivities } from '../contracts/activities.js';
import { queuesOf } from '../contracts/task-queue-names.js';
import type { GroupCommand } from '../contracts/types.js';

export type PullOutcome = { kind: 'none' } | { kind: 'pulled'; model: string; ms: number } | { kind: 'refused'; reply: string };

/**
 * Pulls the model a /model command names when Ollama lacks it. `tell` sends a message to the
 * chat (keyed, so a retry sends it once). Refused: the reply says why and what to do.
 */
export async function pullForCommand(folder: string, command: GroupCommand, tell: (suffix: string, text: string) => Promise<void>): Promise<PullOutcome> {
  const queues = queuesOf(workflowInfo().taskQueue);
  const channel = proxyActivities<ChannelActivities>({
    taskQueue: queues.channel,
    startToCloseTimeout: '2m',
    heartbeatTimeout: '30s',
    retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 10 },
  });
  // As a turn's pull (workflows/model-step.ts): a 4-5 GB model on a slow line, its progress in
  // the heartbeats; fewer attempts, since a person waits for the answer in the chat.
  const pull = proxyActivities<ModelActivities>({
    taskQueue: queues.model,
    startToCloseTimeout: '6h',
    heartbeatTimeout: '2m',
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 3, nonRetryableErrorTypes: ['ModelNotAvailable', 'ModelRequestRejected'] },
  });
  const missing = await channel.modelToPull.executeWithOptions({ summary: `/model: is it in Ollama?` }, [{ folder, command }]);
  if (!missing) return { kind: 'none' };
  await tell('pulling', `Pulling ${missing} into Ollama: this can take minutes for a large model. I will say here when it is done; other commands and messages are answered meanwhile.`);
  try {
    const { ms } = await pull.pullModel.executeWithOptions({ summary: `pull ${missing} for /model` }, [{ model: missing, forCommand: true }]);
    return { kind: 'pulled', model: missing, ms };
  } catch (error) {
    const cause = error instanceof ActivityFailure ? error.cause : error;
    const message = cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
    log.warn('the pull for /model failed', { model: missing, error: message });
    return { kind: 'refused', reply: refusal(missing, cause instanceof ApplicationFailure ? cause.type : undefined, message) };
  }
}

/** What the chat is told when the pull failed: what Ollama said and what to do, for /model (not OLLAMA_MODEL). */
function refusal(model: string, type: string | null | undefined, message: string): string {
  const again = `then send /model ${model} again`;
  if (type !== 'ModelNotAvailable') return `Could not pull ${model}, so nothing changed: ${message} Then send /model ${model} again.`;
  const said = message.split('Ollama said: ').at(-1);
  const offline = /looks offline/.test(message);
  return (
    `Could not pull ${model}, so nothing changed: Ollama said "${said}". ` +
    (offline
      ? `This machine looks offline: pull it where there is internet access (\`ollama pull ${model}\`) or import a GGUF file (\`babybot model import FILE\`), ${again}.`
      : `Check the name and its tag (the models are listed at https://ollama.com/library, e.g. qwen2.5:7b), ${again}.`)
  );
}
