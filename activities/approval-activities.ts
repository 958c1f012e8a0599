// The channel's side of approvals: a tool call of a group whose policy names it is asked of
// the owner in the main chat (the question's number is what they answer), and the owner's
// answer (/approve 7, /deny 7, `babybot approvals`) is stored once and handed to the waiting
// turn as its `approval` update. The turn itself waits durably (workflows/approval-wait.ts).
import { ApplicationFailure } from '@temporalio/common';
import type { ApprovalState, AskApprovalInput } from '../contracts/activities.js';
import type { ApprovalDecision } from '../contracts/approvals.js';
import { boundUtf8 } from '../contracts/bytes.js';
import type { Approval, Store } from '../lib/store/store.js';
import { deliver, type DeliveryDeps } from './delivery.js';

export interface ApprovalDeps extends DeliveryDeps {
  store: Store;
  /** Hands the owner's answer to the waiting turn (the `approval` update of its run). */
  tellTurn: (approval: Approval, decision: ApprovalDecision) => Promise<void>;
}

/** What the owner reads: the tool and its arguments, one line, bounded. */
function describeCall(tool: string, args: Record<string, unknown>): string {
  const main = typeof args.command === 'string' ? args.command : typeof args.path === 'string' ? args.path : JSON.stringify(args);
  return boundUtf8(`${tool} \`${main.replace(/\s*\n\s*/g, ' ').replaceAll('`', "'")}\``, 400, () => '…`');
}

export function createApprovalActivities(deps: ApprovalDeps) {
  return {
    async askApproval(input: AskApprovalInput): Promise<{ id: number; status: ApprovalState }> {
      const group = deps.store.groupByFolder(input.folder);
      const main = deps.store.listGroups().find((g) => g.isMain);
      if (!group || !main) {
        throw ApplicationFailure.nonRetryable(`No main chat to ask, or the group "${input.folder}" is not registered; the call was not run.`, 'ApprovalUnavailable');
      }
      const summary = describeCall(input.tool, input.args);
      const approval = deps.store.askApproval({ key: input.key, folder: input.folder, turnId: input.turnId, runId: input.runId, tool: input.tool, summary });
      const text = `${group.name} (${group.folder}) wants to run ${summary} — reply /approve ${approval.id} or /deny ${approval.id}`;
      // Keyed by the question: a retried step asks once.
      await deliver(deps, { key: `approval:${approval.id}`, chat: main.jid, text });
      return { id: approval.id, status: approval.status };
    },

    async endApproval(input: { id: number }): Promise<{ status: ApprovalState }> {
      deps.store.decideApproval(input.id, 'expired', 'nobody (the wait ended)');
      return { status: deps.store.approval(input.id)?.status ?? 'expired' };
    },

    async decideApproval(decision: ApprovalDecision): Promise<string> {
      return decideApproval(deps, decision);
    },
  };
}

/**
 * The owner's answer, from the chat or the command line: stored once (a second answer changes
 * nothing), then handed to the waiting turn. Returns what to tell the owner.
 */
export async function decideApproval(deps: Pick<ApprovalDeps, 'store' | 'tellTurn'>, decision: ApprovalDecision): Promise<string> {
  const approval = deps.store.approval(decision.id);
  if (!approval) return `There is no approval ${decision.id}.`;
  if (!deps.store.decideApproval(decision.id, decision.approved ? 'approved' : 'denied', decision.by)) {
    const stored = deps.store.approval(decision.id)!;
    // Decided before: hand it over again (a crash between the store and the update), and say so.
    if (stored.status === 'approved' || stored.status === 'denied') {
      await deps.tellTurn(stored, { ...decision, approved: stored.status === 'approved' }).catch(() => undefined);
    }
    return `Approval ${decision.id} was ${stored.status} already (by ${stored.decidedBy ?? 'nobody'}); nothing changed.`;
  }
  await deps.tellTurn(approval, decision);
  return `${decision.approved ? 'Approved' : 'Denied'} ${decision.id}: ${approval.folder} ${decision.approved ? 'may run' : 'may not run'} ${approval.summary}.`;
}
