// A sub-agent (`agent:<folder>:<turn>:<n>`): the agent loop of a turn, with its brief as its
// only context, in its group's sandbox and with its group's rights (the host decides both:
// loadAgentContext), within its step budget and its deadline. It always records how it ended
// (the store's row stops counting against the group's limits), and a background one reports
// to its group, whose queue delivers the result between turns. A failure is a failed run in
// the Web UI carrying its result in the failure's details, for the parent to read.
import { ApplicationFailure, CancellationScope, getExternalWorkflowHandle, log } from '@temporalio/workflow';
import type { AgentResult } from '../contracts/agents.js';
import { RESULT_FILE_MAX_CHARS, RESULT_FILES_MAX, RESULT_TEXT_MAX_BYTES, type AgentEnd } from '../contracts/agent-bounds.js';
import { boundUtf8 } from '../contracts/bytes.js';
import { groupWorkflowId } from '../contracts/ids.js';
import type { AgentRunInput } from '../contracts/types.js';
import { describeFailure, runConversation, withinBound } from './agent-loop.js';
import { agentResultSignal } from './agent-signals.js';
import { delegator } from './delegate.js';
import { turnActivities } from './turn-activities.js';

export async function agentWorkflow(input: AgentRunInput): Promise<AgentResult> {
  const { channel } = turnActivities();
  const written: string[] = [];
  const progress = { steps: 0 };
  const resultOf = (ok: boolean, text: string, ended: AgentEnd): AgentResult => ({
    agentId: input.agentId,
    ok,
    text: boundUtf8(text, RESULT_TEXT_MAX_BYTES, (cut) => `\n[… ${cut} more bytes cut]`),
    filesWritten: [...new Set(written)].slice(0, RESULT_FILES_MAX).map((file) => boundUtf8(file, RESULT_FILE_MAX_CHARS)),
    steps: progress.steps,
    ended,
  });
  let result: AgentResult;
  let failure: unknown;
  try {
    const context = await channel.loadAgentContext.executeWithOptions({ summary: `context of ${input.agentId}` }, [input]);
    const activities = turnActivities(context.limits, context.group.isMain);
    const minutes = Math.round(input.deadlineMs / 60_000);
    const answer = await withinBound(
      input.deadlineMs,
      () => runConversation(context, activities, {}, { delegate: delegator(context, activities), written, progress }),
      'AgentTimedOut',
      `the sub-agent was still working after ${minutes} minute(s) (AGENT_DEADLINE), so it was stopped.`,
    );
    result = resultOf(!answer.stoppedAtStepLimit, answer.reply, answer.stoppedAtStepLimit ? 'step-limit' : 'answered');
  } catch (error) {
    failure = error;
    const reason = describeFailure(error);
    const ended: AgentEnd = reason.type === 'TurnCancelled' ? 'cancelled' : reason.type === 'AgentTimedOut' ? 'timed-out' : 'failed';
    const text = ended === 'cancelled' ? 'it was stopped before it finished (/agents stop, its turn stopped, the Web UI or the command line).' : reason.message;
    result = resultOf(false, text, ended);
  }
  // Recorded and reported even when cancelled: the group's count and its chat must know.
  await CancellationScope.nonCancellable(() => finish(input, result, channel));
  if (failure === undefined) return result;
  // A cancelled run shows as Cancelled; any other failure as Failed, carrying its result.
  if (result.ended === 'cancelled') throw failure;
  throw ApplicationFailure.create({ type: `Agent-${result.ended}`, message: result.text, nonRetryable: true, details: [result] });
}

async function finish(input: AgentRunInput, result: AgentResult, channel: ReturnType<typeof turnActivities>['channel']): Promise<void> {
  try {
    await channel.agentEnded.executeWithOptions({ summary: `ended: ${result.ended}` }, [{ result }]);
  } catch (error) {
    log.warn('the end of the sub-agent could not be recorded', { error: (error as Error).message });
  }
  if (!input.background) return;
  try {
    await getExternalWorkflowHandle(groupWorkflowId(input.folder)).signal(agentResultSignal, { result, brief: boundUtf8(input.brief.brief, 300) });
  } catch (error) {
    log.warn('the group is gone: the background result stays in the store only', { error: (error as Error).message });
  }
}
