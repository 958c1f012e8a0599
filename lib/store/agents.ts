// Sub-agents as the host counts them: one row per sub-agent, reserved before its workflow
// starts and closed when it ends. The delegate tool's limits (per turn, alive per group,
// model steps per turn) are read from here, never from what a workflow passes in. A row
// whose workflow never closed it (terminated) stops counting as alive after its deadline.
import { ChannelStateStore } from './channel-state.js';

export type AgentStatus = 'running' | 'answered' | 'step-limit' | 'failed' | 'timed-out' | 'cancelled';

export interface AgentRow {
  id: string;
  folder: string;
  turnId: string;
  brief: string;
  maxSteps: number;
  background: boolean;
  status: AgentStatus;
  steps?: number;
  startedAt: string;
  endedAt?: string;
}

export interface NewAgent {
  id: string;
  folder: string;
  turnId: string;
  brief: string;
  maxSteps: number;
  background: boolean;
}

interface Row {
  id: string;
  folder: string;
  turn_id: string;
  brief: string;
  max_steps: number;
  background: number;
  status: AgentStatus;
  steps: number | null;
  started_at: string;
  ended_at: string | null;
}

const toAgent = (row: Row): AgentRow => ({
  id: row.id,
  folder: row.folder,
  turnId: row.turn_id,
  brief: row.brief,
  maxSteps: row.max_steps,
  background: row.background === 1,
  status: row.status,
  startedAt: row.started_at,
  ...(row.steps !== null ? { steps: row.steps } : {}),
  ...(row.ended_at ? { endedAt: row.ended_at } : {}),
});

export class AgentStore extends ChannelStateStore {
  /** The rows one reserving step made (a retried step finds them). */
  agentsOfDelegation(delegation: string): AgentRow[] {
    return (this.db.prepare('SELECT * FROM agents WHERE delegation = ? ORDER BY rowid').all(delegation) as Row[]).map(toAgent);
  }

  /** Every sub-agent a turn started: its count and its reserved steps are the per-turn limits. */
  agentsOfTurn(turnId: string): AgentRow[] {
    return (this.db.prepare('SELECT * FROM agents WHERE turn_id = ? ORDER BY rowid').all(turnId) as Row[]).map(toAgent);
  }

  /** Sub-agents of the group still running, started after `since` (ISO 8601): older ones are past their deadline. */
  aliveAgents(folder: string | undefined, since: string): AgentRow[] {
    const rows = folder === undefined
      ? this.db.prepare(`SELECT * FROM agents WHERE status = 'running' AND started_at > ? ORDER BY rowid`).all(since)
      : this.db.prepare(`SELECT * FROM agents WHERE status = 'running' AND folder = ? AND started_at > ? ORDER BY rowid`).all(folder, since);
    return (rows as Row[]).map(toAgent);
  }

  agent(id: string): AgentRow | undefined {
    const row = this.db.prepare('SELECT * FROM agents WHERE id = ?').get(id) as Row | undefined;
    return row && toAgent(row);
  }

  /**
   * Reserves the rows of one delegation at once, or none: `check` runs inside the same
   * transaction, so two turns reserving at the same moment cannot both pass a limit.
   */
  reserveAgents(delegation: string, agents: (turnAgents: AgentRow[]) => NewAgent[] | string, turnId: string): AgentRow[] | string {
    return this.db.transaction(() => {
      const earlier = this.agentsOfDelegation(delegation);
      if (earlier.length) return earlier;
      const planned = agents(this.agentsOfTurn(turnId));
      if (typeof planned === 'string') return planned;
      const insert = this.db.prepare(
        `INSERT INTO agents (id, folder, turn_id, delegation, brief, max_steps, background, started_at)
         VALUES (@id, @folder, @turnId, @delegation, @brief, @maxSteps, @background, @at)`,
      );
      const at = new Date().toISOString();
      for (const agent of planned) insert.run({ ...agent, delegation, background: agent.background ? 1 : 0, at });
      return this.agentsOfDelegation(delegation);
    }).immediate();
  }

  /** Closes a sub-agent's row (once: the first end recorded stays). */
  endAgent(id: string, status: Exclude<AgentStatus, 'running'>, steps: number): void {
    this.db.prepare(`UPDATE agents SET status = ?, steps = ?, ended_at = ? WHERE id = ? AND status = 'running'`).run(status, steps, new Date().toISOString(), id);
  }
}
