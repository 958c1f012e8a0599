// The workflow a task's Schedule starts (`task:<folder>:<id>-<time>`): one agent turn with
// the task's prompt, its answer delivered to the group's chat like any reply.
//
// It is the turn itself, not a parent of a child turn: the schedule sees this run as
// running for the whole turn, so overlap SKIP really keeps two runs of a task apart; a
// failure is told to the group once (by the turn's own notice, with this run's id) and
// fails this very run, the one the Schedules page and `babybot tasks list` point at.
// A child would add a second run per firing and a second place to report the failure.
import { agentTurnWorkflow } from './agent-turn.js';
import type { AgentTurnResult, TaskTurn } from './types.js';

export interface ScheduledTaskInput {
  folder: string;
  /** The group's chat, where the answer goes. */
  chat: string;
  task: TaskTurn;
}

export async function scheduledTaskWorkflow(input: ScheduledTaskInput): Promise<AgentTurnResult> {
  return agentTurnWorkflow({ folder: input.folder, chat: input.chat, kind: 'task', messages: [], task: input.task });
}
