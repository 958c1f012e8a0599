// The host's check of a delegate call, before any sub-agent exists: the arguments against
// the tool's schema, the group's rights from the store, and the limits (depth, per turn,
// alive in the group, model steps) counted in the store. Everything the sub-agents get is
// decided here: their ids, their tools (the group's own, as the brief narrows them, never
// more), their step budgets and their deadline. A refusal is one sentence the model reads.
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { listSkills } from '../container/skills.js';
import { boundUtf8 } from '../contracts/bytes.js';
import { agentWorkflowId, turnWorkflowId } from '../contracts/ids.js';
import { checkToolArguments } from '../contracts/tools/index.js';
import type { delegate } from '../contracts/tools/agent-tools.js';
import type { AgentRunInput, DelegationPlan, TurnGroup } from '../contracts/types.js';
import type { Group, Store } from '../lib/store/store.js';
import type { AgentRow, NewAgent } from '../lib/store/agents.js';

/** The limits of one kind of group (main, or any other), from the configuration. */
export interface SwarmLimits {
  perTurn: number;
  alive: number;
  turnSteps: number;
}

export interface AgentLimits {
  /** AGENT_DEPTH: 1, a turn's sub-agents cannot delegate. */
  depth: number;
  stepsPerAgent: number;
  deadlineMs: number;
  main: SwarmLimits;
  group: SwarmLimits;
}

export interface PlanDeps {
  store: Store;
  skillsDir: string;
  agents: AgentLimits;
  /** The tools the group's turns are offered (toolsFor plus the delegate setting). */
  toolsOf: (group: Group) => string[];
}

/** Who calls delegate, read from the calling workflow's id (set by Temporal, never by the model). */
export interface Caller {
  workflowId: string;
  /** runId:activityId of the reserving step: a retried step finds what it reserved. */
  step: string;
}

/** The caller's place in the tree: the root turn, the id prefix of its sub-agents, its depth (a turn: 0). */
export function callerOf(workflowId: string, folder: string): { turnId: string; prefix: string; depth: number } | undefined {
  const turn = `turn:${folder}:`;
  if (workflowId.startsWith(turn)) {
    const key = workflowId.slice(turn.length);
    return { turnId: workflowId, prefix: agentWorkflowId(folder, key, ''), depth: 0 };
  }
  const agent = `agent:${folder}:`;
  if (!workflowId.startsWith(agent)) return undefined;
  const rest = workflowId.slice(agent.length);
  const cut = rest.lastIndexOf(':');
  const n = rest.slice(cut + 1);
  if (cut < 0 || !/^\d+(\.\d+)*$/.test(n)) return undefined;
  return { turnId: turnWorkflowId(folder, rest.slice(0, cut)), prefix: `${workflowId}.`, depth: n.split('.').length };
}

export function planDelegation(deps: PlanDeps, caller: Caller, claimed: TurnGroup, rawArgs: unknown): DelegationPlan {
  const refuse = (error: string): DelegationPlan => ({ ok: false, error });
  const group = deps.store.groupByFolder(claimed.folder);
  if (!group || group.jid !== claimed.chat) return refuse(`the group "${claimed.folder}" is not registered as such (any more); no sub-agent was started.`);
  const limits = group.isMain ? deps.agents.main : deps.agents.group;
  if (limits.perTurn === 0) return refuse('this chat may not start sub-agents (GROUP_AGENTS_PER_TURN is 0).');
  const place = callerOf(caller.workflowId, group.folder);
  if (!place) return refuse(`only a turn of the group "${group.folder}" or its sub-agents may delegate.`);
  if (place.depth + 1 > deps.agents.depth) {
    return refuse(`a sub-agent cannot start sub-agents of its own (AGENT_DEPTH is ${deps.agents.depth}): do the work yourself.`);
  }
  const check = checkToolArguments('delegate', rawArgs);
  if (!check.ok) return refuse(check.error.replace(/^Error: /, ''));
  const args = check.args as z.infer<typeof delegate.schema>;
  const tasks = args.tasks;
  // The tools a sub-agent may have: the group's own, without delegate unless one more level is allowed.
  const allowed = deps.toolsOf(group).filter((tool) => tool !== 'delegate' || place.depth + 2 <= deps.agents.depth);
  const notAllowed = [...new Set(tasks.flatMap((task) => task.tools ?? []).filter((tool) => !allowed.includes(tool)))];
  if (notAllowed.length) {
    return refuse(`${notAllowed.map((t) => `"${boundUtf8(t, 64)}"`).join(', ')} ${notAllowed.length === 1 ? 'is not a tool' : 'are not tools'} a sub-agent here may have. It may have: ${allowed.join(', ')}.`);
  }
  // A skill is advice to read, no right: names that are no skill are left out, not refused
  // (the 0.5B filled the field with "read_skill", 2026-12-07, and lost its whole delegation).
  const skills = new Set(listSkills(deps.skillsDir).map((skill) => skill.name));
  const background = args.wait === false;
  const since = new Date(Date.now() - deps.agents.deadlineMs - 60_000).toISOString();

  const reserved = deps.store.reserveAgents(
    caller.step,
    (ofTurn: AgentRow[]) => {
      if (ofTurn.length + tasks.length > limits.perTurn) {
        return `at most ${limits.perTurn} sub-agents per turn in this chat; this turn has started ${ofTurn.length} and asked for ${tasks.length} more. Give fewer, larger tasks, or do some yourself.`;
      }
      const alive = deps.store.aliveAgents(group.folder, since).length;
      if (alive + tasks.length > limits.alive) {
        return `at most ${limits.alive} sub-agents may be alive at once in this chat; ${alive} still ${alive === 1 ? 'runs' : 'run'}. Wait for them (or stop them), or do the work yourself.`;
      }
      const stepsLeft = limits.turnSteps - ofTurn.reduce((sum, row) => sum + row.maxSteps, 0);
      const each = Math.min(deps.agents.stepsPerAgent, Math.floor(stepsLeft / tasks.length));
      if (each < 1) {
        return `this turn's sub-agents have used their model steps (${limits.turnSteps} per turn in this chat, ${Math.max(0, stepsLeft)} left for ${tasks.length}). Do the rest yourself.`;
      }
      const siblings = ofTurn.filter((row) => row.id.startsWith(place.prefix) && !row.id.slice(place.prefix.length).includes('.')).length;
      return tasks.map((task, i): NewAgent => ({
        id: `${place.prefix}${siblings + i + 1}`,
        folder: group.folder,
        turnId: place.turnId,
        brief: boundUtf8(task.brief, 300),
        maxSteps: each,
        background,
      }));
    },
    place.turnId,
  );
  if (typeof reserved === 'string') return refuse(reserved);
  return {
    ok: true,
    background,
    agents: reserved.map((row, i): AgentRunInput => {
      const task = tasks[i];
      return {
        agentId: row.id,
        folder: group.folder,
        turnId: place.turnId,
        brief: { brief: task.brief, ...(task.tools ? { tools: task.tools } : {}), ...skillsOf(task.skills, skills) },
        // Its answer may be a reply call, as a turn's may (contracts/tools/reply-tool.ts), whatever tools it was given.
        tools: task.tools ? [...new Set([...allowed.filter((tool) => tool === 'reply'), ...task.tools])] : allowed,
        maxSteps: row.maxSteps,
        deadlineMs: deps.agents.deadlineMs,
        background: row.background,
        scratch: scratchOf(row.id),
      };
    }),
  };
}

function skillsOf(named: string[] | undefined, known: Set<string>): { skills?: string[] } {
  const skills = (named ?? []).filter((skill) => known.has(skill));
  return skills.length ? { skills } : {};
}

/** A sub-agent's working folder, relative to the group's: short, and unique per sub-agent. */
export function scratchOf(agentId: string): string {
  const n = agentId.slice(agentId.lastIndexOf(':') + 1);
  return `scratch/agent-${n}-${createHash('sha256').update(agentId).digest('hex').slice(0, 8)}`;
}
