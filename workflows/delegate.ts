// The delegate tool, in the workflow: the host checks the call and reserves the sub-agents
// (planDelegation: arguments, rights, limits, all from the store), then each sub-agent is a
// child workflow `agent:<folder>:<turn>:<n>` running the agent loop with its brief as its
// only context (sub-agent.ts). With wait (the default) the turn waits for all of them and
// reads their results as the tool's result; a sub-agent that fails, times out or is stopped
// comes back as a failed result, never as a failed turn. Without wait they are started
// abandoned (they outlive the turn) and report to the chat through the group's queue.
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  isCancellation,
  ParentClosePolicy,
  startChild,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import type { AgentResult } from '../contracts/agents.js';
import { RESULT_TEXT_MAX_BYTES, type AgentEnd } from '../contracts/agent-bounds.js';
import { boundUtf8 } from '../contracts/bytes.js';
import { babybotAttributes } from '../contracts/search-attributes.js';
import type { AgentRunInput, TurnContext } from '../contracts/types.js';
import type { TurnActivities } from './turn-activities.js';

/** The sub-agent's workflow type, by name: importing it here would make a cycle (it runs the loop that calls this). */
const AGENT_WORKFLOW = 'agentWorkflow';

/** Time for a sub-agent's end (recording it, a background report) after its deadline, before the server stops it. */
const END_MARGIN_MS = 2 * 60_000;

export function delegator(context: TurnContext, activities: TurnActivities) {
  return async (args: Record<string, unknown>): Promise<string> => {
    const count = Array.isArray(args.tasks) ? args.tasks.length : 0;
    const plan = await activities.channel.planDelegation.executeWithOptions({ summary: `delegate ${count} task(s)` }, [{ group: context.group, args }]);
    if (!plan.ok) return `Error: delegate: ${plan.error}`;
    if (plan.background) return startInBackground(context, activities, plan.agents);
    const results = await runAndWait(context, plan.agents);
    // Rows of sub-agents that could not record their own end (never started, terminated, timed out by the server).
    for (const result of results.filter((r) => !r.ok)) {
      await activities.channel.agentEnded.executeWithOptions({ summary: `ended ${result.agentId}` }, [{ result }]);
    }
    return describeResults(results);
  };
}

function childOptions(context: TurnContext, agent: AgentRunInput) {
  return {
    workflowId: agent.agentId,
    args: [agent],
    // A waited-for sub-agent is cancelled with its turn, also when the turn ends without
    // cancelling it itself (terminated, timed out); a background one outlives the turn.
    parentClosePolicy: agent.background ? ParentClosePolicy.ABANDON : ParentClosePolicy.REQUEST_CANCEL,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    // The server's bound, kept even when the sub-agent's code cannot run; its own loop stops at the deadline.
    workflowExecutionTimeout: agent.deadlineMs + END_MARGIN_MS,
    typedSearchAttributes: babybotAttributes({ group: agent.folder, chat: context.group.chat, kind: 'agent' }),
    memo: { parent: agent.turnId, brief: boundUtf8(agent.brief.brief, 300) },
    staticSummary: boundUtf8(agent.brief.brief, 100),
  };
}

async function runAndWait(context: TurnContext, agents: AgentRunInput[]): Promise<AgentResult[]> {
  // All started first, then all awaited: they run side by side, bounded by the model and sandbox slots.
  const started = await Promise.all(
    agents.map((agent) =>
      startChild(AGENT_WORKFLOW, childOptions(context, agent)).then(
        (handle) => ({ agent, handle }),
        (error: unknown) => ({ agent, error }),
      ),
    ),
  );
  return Promise.all(
    started.map((s) =>
      'handle' in s
        ? (s.handle.result() as Promise<AgentResult>).catch((error: unknown) => {
            // The turn itself cancelled (a person, its bound): its children were cancelled with it, and it ends so.
            if (isCancellation(error) && CancellationScope.current().consideredCancelled) throw error;
            return failedResult(s.agent, error);
          })
        : failedResult(s.agent, s.error),
    ),
  );
}

async function startInBackground(context: TurnContext, activities: TurnActivities, agents: AgentRunInput[]): Promise<string> {
  // Not cancelled with the turn: once started they are the group's, stopped with `babybot agents stop`.
  const started = await CancellationScope.nonCancellable(() =>
    Promise.all(agents.map((agent) => startChild(AGENT_WORKFLOW, childOptions(context, agent)).then(() => undefined, (error: unknown) => failedResult(agent, error)))),
  );
  const notStarted = started.filter((result): result is AgentResult => result !== undefined);
  // Their rows would count as alive until the deadline otherwise.
  for (const result of notStarted) await activities.channel.agentEnded.executeWithOptions({ summary: `ended ${result.agentId}` }, [{ result }]);
  const ok = agents.map((agent) => agent.agentId).filter((id) => !notStarted.some((r) => r.agentId === id));
  const failed = notStarted.length;
  return (
    `Started ${ok.length} sub-agent(s) in the background: ${ok.join(', ')}. Each one's result reaches the chat as a message when it finishes. ` +
    `${failed ? `${failed} could not be started. ` : ''}Tell the person now that they are working on it.`
  );
}

/** A failed sub-agent as its parent reads it: its own result when it sent one (in the failure's details), else the cause. */
function failedResult(agent: AgentRunInput, error: unknown): AgentResult {
  const cause = error instanceof ChildWorkflowFailure ? error.cause : error;
  const sent = cause instanceof ApplicationFailure ? (cause.details?.[0] as AgentResult | undefined) : undefined;
  if (sent?.agentId === agent.agentId) return sent;
  const ended: AgentEnd = cause instanceof TimeoutFailure ? 'timed-out' : isCancellation(cause) || cause instanceof TerminatedFailure ? 'cancelled' : 'failed';
  const message = cause instanceof Error ? cause.message : String(cause);
  return { agentId: agent.agentId, ok: false, text: boundUtf8(`${ended}: ${message}`, RESULT_TEXT_MAX_BYTES), filesWritten: [], steps: 0, ended };
}

/** The tool's result: each sub-agent's outcome in order, as the model reads it. */
function describeResults(results: AgentResult[]): string {
  const failed = results.filter((r) => !r.ok).length;
  const head = `${results.length} sub-agent(s) finished${failed ? `, ${failed} without a result (decide whether to retry, do it yourself, or say so)` : ''}:`;
  const parts = results.map((r, i) => {
    const files = r.filesWritten.length ? `\nfiles written: ${r.filesWritten.join(', ')}` : '';
    return `[${i + 1}] ${r.agentId}: ${r.ok ? 'answered' : r.ended} after ${r.steps} step(s)\n${r.text}${files}`;
  });
  return [head, ...parts].join('\n\n');
}
