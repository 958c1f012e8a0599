// Approvals: tool calls that wait for the owner's yes. A group's policy names the tools
// (`babybot groups add … --approve run_command,send_file`, or APPROVE_TOOLS for every group
// that is not main); its turn asks the owner in the main chat and waits durably (a timer,
// APPROVAL_TIMEOUT) for the answer, which reaches the waiting turn as the `approval` update.
import { ALL_TOOLS } from './tools/index.js';

/** The owner's answer, as it reaches the waiting turn. */
export interface ApprovalDecision {
  id: number;
  approved: boolean;
  /** Who answered: "the main chat", "command line (user)". */
  by: string;
}

/** A policy's list: comma-separated tool names, each one BabyBot offers. Throws naming the unknown. */
export function parseApproveTools(text: string): string[] {
  const names = text.split(',').map((name) => name.trim()).filter(Boolean);
  const known = new Set<string>(ALL_TOOLS.map((tool) => tool.name));
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length) throw new Error(`not a tool: ${unknown.join(', ')} (the tools: ${[...known].join(', ')})`);
  return [...new Set(names)];
}
