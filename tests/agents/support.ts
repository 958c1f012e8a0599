// A swarm as the tests drive it: the real workflows on the real dev server (workflow-env.ts),
// the real host side of sub-agents (activities/agent-activities.ts) over a real SQLite store,
// and the scripted model of tests/workflows/stubs.ts, which also records when each model step
// ran, so a test can tell sub-agents that ran side by side from ones that took turns.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { createAgentActivities } from '../../activities/agent-activities.js';
import type { AgentLimits } from '../../activities/agent-plan.js';
import { OutboundRouter } from '../../channel/outbound.js';
import type { AgentReport, InboundMessage, ModelChatInput, ToolInvocation } from '../../contracts/types.js';
import { toolsFor } from '../../contracts/tools/index.js';
import { Store } from '../../lib/store/store.js';
import type { TurnActivityStubs } from '../support/workflow-env.js';
import { stubActivities, type ModelScript } from '../workflows/stubs.js';

export const TEST_LIMITS: AgentLimits = {
  depth: 1,
  stepsPerAgent: 4,
  deadlineMs: 60_000,
  main: { perTurn: 4, alive: 8, turnSteps: 24 },
  group: { perTurn: 3, alive: 3, turnSteps: 12 },
};

/** The brief a sub-agent's model step was given: its conversation's last message (its only context). */
export const briefOf = (input: ModelChatInput) => input.messages.at(-1)?.content ?? '';

export interface Swarm {
  stubs: TurnActivityStubs & ReturnType<typeof stubActivities>;
  store: Store;
  /** Each workflow's first model step's input: what its conversation held. */
  firstInputs: Map<string, ModelChatInput>;
  /** Every model step's input, by workflow id, in order. */
  inputs: Map<string, ModelChatInput[]>;
  /** Each model step's [start, end] in ms, by workflow id. */
  steps: Map<string, [number, number][]>;
  /** Background results the group handed to the chat, in order. */
  reports: AgentReport[];
  /** Sandbox steps that ended because Temporal cancelled them, by workflow id. */
  cancelledCommands: string[];
  /** Sandbox steps that have started (and wait, when `holdCommands`). */
  runningCommands: string[];
}

export function swarm(
  folder: string,
  script: ModelScript,
  options: { limits?: Partial<AgentLimits>; stepMs?: number; holdCommands?: boolean } = {},
): Swarm {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-agents-'));
  const store = Store.open(path.join(dir, 'babybot.db'));
  // The stubs' turns are a group that is not main, in its own local chat.
  store.upsertChat({ jid: `local:${folder}`, name: folder, channel: 'local' });
  store.addGroup({ folder, jid: `local:${folder}`, name: folder, triggerWord: null, requiresTrigger: false, isMain: false });
  const steps = new Map<string, [number, number][]>();
  const firstInputs = new Map<string, ModelChatInput>();
  const inputs = new Map<string, ModelChatInput[]>();
  const timed: ModelScript = async (step) => {
    const start = Date.now();
    if (!firstInputs.has(step.turnId)) firstInputs.set(step.turnId, step.input);
    inputs.set(step.turnId, [...(inputs.get(step.turnId) ?? []), step.input]);
    if (options.stepMs) await new Promise((resolve) => setTimeout(resolve, options.stepMs));
    try {
      return await script(step);
    } finally {
      steps.set(step.turnId, [...(steps.get(step.turnId) ?? []), [start, Date.now()]]);
    }
  };
  const stubs = stubActivities(folder, timed);
  const reports: AgentReport[] = [];
  const cancelledCommands: string[] = [];
  const runningCommands: string[] = [];
  const agents = createAgentActivities({
    store,
    skillsDir: path.join(dir, 'skills'),
    agents: { ...TEST_LIMITS, ...options.limits },
    toolsOf: (group) => toolsFor(group.isMain),
    prompt: { assistantName: 'Baby', groupsDir: path.join(dir, 'groups'), timeZone: 'UTC', contextMessages: 10 },
    limits: { maxSteps: 12, modelTimeoutMs: 60_000, sandboxStepTimeoutMs: 60_000 },
    approveOf: () => undefined,
    outbound: new OutboundRouter([]),
    assistantName: 'Baby',
  });
  stubs.channel = {
    ...stubs.channel,
    ...agents,
    async deliverAgentResult({ report }) {
      reports.push(report);
      return { delivered: true };
    },
  };
  if (options.holdCommands) {
    // A command that runs until Temporal cancels it, as a long one in a container does (the real step kills it then).
    stubs.sandbox = {
      async runSandboxTool(invocation: ToolInvocation) {
        const context = Context.current();
        const id = context.info.workflowExecution!.workflowId;
        runningCommands.push(id);
        const beat = setInterval(() => context.heartbeat(), 100);
        try {
          await context.cancelled;
          return 'never';
        } catch (error) {
          cancelledCommands.push(id);
          throw error;
        } finally {
          clearInterval(beat);
          void invocation;
        }
      },
    };
  }
  return { stubs, store, firstInputs, inputs, steps, reports, cancelledCommands, runningCommands };
}

export function message(folder: string, seq: number, text: string): InboundMessage {
  return { id: `m${seq}`, chat: `local:${folder}`, sender: 'tester', preview: text, timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(), seq };
}

/** Whether all the given intervals share a moment: each started before any other ended. */
export function allOverlap(intervals: [number, number][]): boolean {
  return Math.max(...intervals.map(([start]) => start)) < Math.min(...intervals.map(([, end]) => end));
}
