// Hands the owner's answer to the turn that waits for it: the `approval` update of the very
// run that asked (workflows/approval-wait.ts), with the question's number as the update id,
// so an answer handed over twice is one update.
import type { Client } from '@temporalio/client';
import type { ApprovalDecision } from '../contracts/approvals.js';
import { approvalUpdate } from '../workflows/approval-wait.js';

export async function tellWaitingTurn(client: Client, turn: { turnId: string; runId: string }, decision: ApprovalDecision): Promise<void> {
  await client.workflow.getHandle(turn.turnId, turn.runId).executeUpdate(approvalUpdate, { args: [decision], updateId: `approval:${decision.id}` });
}
