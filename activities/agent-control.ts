// Seeing and stopping sub-agents: `babybot agents list|stop` and the chat's /agents, one
// implementation over the store (which sub-agents run, whose they are) and a cancellation
// through Temporal (the sub-agent's run ends Cancelled, its steps stop, its row says so).
import { ApplicationFailure } from '@temporalio/common';
import { oneLine } from '../contracts/one-line.js';
import type { AgentRow } from '../lib/store/agents.js';
import type { Store } from '../lib/store/store.js';

export interface AgentControlDeps {
  store: Store;
  /** Requests the cancellation of a sub-agent's workflow. */
  cancelAgent: (agentId: string) => Promise<void>;
  /** AGENT_DEADLINE: a row older than this (and a minute) is past its deadline, not alive. */
  deadlineMs: number;
}

/** Who asks: a group sees and stops only its own sub-agents; main (or the command line) every group's. */
export type AgentAsker = { folder: string; isMain: boolean } | 'owner';

const since = (deps: AgentControlDeps) => new Date(Date.now() - deps.deadlineMs - 60_000).toISOString();
const sees = (asker: AgentAsker, row: AgentRow) => asker === 'owner' || asker.isMain || row.folder === asker.folder;

export function describeAgent(row: AgentRow): string {
  const kind = row.background ? 'background' : 'waited for';
  return `${row.id} (${kind}, since ${row.startedAt}): ${oneLine(row.brief, 100)}`;
}

export function listAgents(deps: AgentControlDeps, asker: AgentAsker): string {
  const alive = deps.store.aliveAgents(asker === 'owner' || asker.isMain ? undefined : asker.folder, since(deps)).filter((row) => sees(asker, row));
  if (alive.length === 0) return 'No sub-agents are running.';
  return [`${alive.length} sub-agent(s) running (stop one with /agents stop <id>, or \`babybot agents stop <id>\`):`, ...alive.map(describeAgent)].join('\n');
}

export async function stopAgent(deps: AgentControlDeps, asker: AgentAsker, agentId: string): Promise<string> {
  const row = deps.store.agent(agentId);
  if (!row || !sees(asker, row)) throw ApplicationFailure.nonRetryable(`There is no sub-agent ${agentId} here (\`/agents\` lists them).`, 'UnknownAgent');
  if (row.status !== 'running') return `${agentId} has already ended (${row.status}).`;
  await deps.cancelAgent(agentId);
  return `Stopping ${agentId}: its steps end, and ${row.background ? 'the chat is told it was cancelled' : 'its turn reads it as cancelled'}.`;
}
