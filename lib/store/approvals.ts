// The owner's approvals: the tools a group's turns must ask for (its own list), and every
// question asked, by number. The number is what the owner answers (/approve 7); the row is
// decided once, so a second answer, or an answer after the wait ended, changes nothing.
import { GroupSettingsStore } from './group-settings.js';

export type ApprovalStatus = 'waiting' | 'approved' | 'denied' | 'expired';

export interface Approval {
  id: number;
  key: string;
  folder: string;
  turnId: string;
  runId: string;
  tool: string;
  /** What the tool would do, as the owner reads it (bounded by the caller). */
  summary: string;
  status: ApprovalStatus;
  askedAt: string;
  decidedAt?: string;
  decidedBy?: string;
}

interface ApprovalRow {
  id: number;
  key: string;
  folder: string;
  turn_id: string;
  run_id: string;
  tool: string;
  summary: string;
  status: ApprovalStatus;
  asked_at: string;
  decided_at: string | null;
  decided_by: string | null;
}

const toApproval = (row: ApprovalRow): Approval => ({
  id: row.id,
  key: row.key,
  folder: row.folder,
  turnId: row.turn_id,
  runId: row.run_id,
  tool: row.tool,
  summary: row.summary,
  status: row.status,
  askedAt: row.asked_at,
  ...(row.decided_at ? { decidedAt: row.decided_at } : {}),
  ...(row.decided_by ? { decidedBy: row.decided_by } : {}),
});

export class ApprovalStore extends GroupSettingsStore {
  /** The group's own list of tools that wait for the owner; undefined: none of its own. */
  approveTools(folder: string): string[] | undefined {
    const row = this.db.prepare('SELECT approve_tools FROM group_settings WHERE folder = ?').get(folder) as { approve_tools: string | null } | undefined;
    return row?.approve_tools ? (JSON.parse(row.approve_tools) as string[]) : undefined;
  }

  setApproveTools(folder: string, tools: string[] | undefined): void {
    this.db
      .prepare(`INSERT INTO group_settings (folder, approve_tools) VALUES (?, ?) ON CONFLICT (folder) DO UPDATE SET approve_tools = excluded.approve_tools`)
      .run(folder, tools ? JSON.stringify(tools) : null);
  }

  /** Asks once per key: a retried step finds its question and its number. */
  askApproval(question: Omit<Approval, 'id' | 'status' | 'askedAt' | 'decidedAt' | 'decidedBy'>): Approval {
    this.db
      .prepare(
        `INSERT INTO approvals (key, folder, turn_id, run_id, tool, summary, asked_at) VALUES (@key, @folder, @turnId, @runId, @tool, @summary, @at)
         ON CONFLICT (key) DO NOTHING`,
      )
      .run({ ...question, at: new Date().toISOString() });
    return toApproval(this.db.prepare('SELECT * FROM approvals WHERE key = ?').get(question.key) as ApprovalRow);
  }

  approval(id: number): Approval | undefined {
    const row = this.db.prepare('SELECT * FROM approvals WHERE id = ?').get(id) as ApprovalRow | undefined;
    return row && toApproval(row);
  }

  waitingApprovals(): Approval[] {
    return (this.db.prepare(`SELECT * FROM approvals WHERE status = 'waiting' ORDER BY id`).all() as ApprovalRow[]).map(toApproval);
  }

  /** Decides a waiting question; false when it was decided (or ended) already. */
  decideApproval(id: number, status: Exclude<ApprovalStatus, 'waiting'>, by: string): boolean {
    const result = this.db
      .prepare(`UPDATE approvals SET status = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status = 'waiting'`)
      .run(status, new Date().toISOString(), by, id);
    return result.changes > 0;
  }
}
