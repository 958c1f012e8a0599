// A tool call the group's policy names waits for the owner's yes (contracts/approvals.ts):
// the turn asks in the main chat (a channel activity; the question's number), then waits on
// a durable timer (APPROVAL_TIMEOUT) for its `approval` update, through restarts and deploys.
// Approved, the call runs; denied or unanswered, the model is told why it did not.
import { CancellationScope, condition, defineUpdate, isCancellation, patched, setCurrentDetails, setHandler, workflowInfo, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { ChannelActivities } from '../contracts/activities.js';
import type { ApprovalDecision } from '../contracts/approvals.js';
import { PATCHES } from '../contracts/patches.js';
import type { TurnContext } from '../contracts/types.js';

/** The owner's answer to one of this turn's questions. */
export const approvalUpdate = defineUpdate<string, [ApprovalDecision]>('approval');

/** Listens for the owner's answers (set at the turn's start) and asks when a call needs one. */
export function approvals(context: Pick<TurnContext, 'group' | 'approve'>, channel: ActivityInterfaceFor<ChannelActivities>) {
  const decisions = new Map<number, ApprovalDecision>();
  setHandler(approvalUpdate, (decision) => {
    decisions.set(decision.id, decision);
    return 'handed to the waiting turn';
  });
  let asked = 0;

  /** Undefined when the call may run; otherwise what the model reads instead of its result. */
  return async function approved(tool: string, args: Record<string, unknown>): Promise<string | undefined> {
    const policy = context.approve;
    if (!policy?.tools.includes(tool) || !patched(PATCHES.approvals.id)) return undefined;
    const info = workflowInfo();
    const question = { key: `approval:${info.workflowId}:${info.runId}:${++asked}`, folder: context.group.folder, turnId: info.workflowId, runId: info.runId, tool, args };
    const { id } = await channel.askApproval.executeWithOptions({ summary: `ask the owner: ${tool}` }, [question]);
    // The Web UI shows why the turn waits.
    setCurrentDetails(`Waiting for the owner's approval ${id} of ${tool}: /approve ${id} or /deny ${id} in the main chat, or \`babybot approvals approve ${id}\`.`);
    let answered: boolean;
    try {
      answered = await condition(() => decisions.has(id), policy.timeoutMs);
    } catch (error) {
      // Stopped while it waits (/stop, the Web UI): the question ends too, so a late answer is refused.
      if (isCancellation(error)) {
        await CancellationScope.nonCancellable(() => channel.endApproval.executeWithOptions({ summary: `approval ${id} ends with the turn` }, [{ id }])).catch(() => undefined);
      }
      throw error;
    }
    setCurrentDetails('');
    const status = answered ? (decisions.get(id)!.approved ? 'approved' : 'denied') : (await channel.endApproval.executeWithOptions({ summary: `approval ${id} unanswered` }, [{ id }])).status;
    if (status === 'approved') return undefined;
    if (status === 'denied') return `Error: the owner denied ${tool} (approval ${id}); it was not run. Tell the user so, and do not try to do it another way.`;
    const hours = Math.round((policy.timeoutMs / 3600_000) * 10) / 10;
    return `Error: ${tool} needs the owner's approval (${id}), and nobody answered within ${hours} hours, so it was not run. Tell the user it waits for the owner.`;
  };
}
