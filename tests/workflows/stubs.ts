// Stub activities for the workflow tests: plain objects implementing contracts/activities.ts,
// recording what the workflows asked of them. The model answers from a script; a turn the
// test holds waits in its model step (heartbeating, as the real one does) until the test
// lets it go, so a test can send messages while a turn is known to be running.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { TurnFailedNotice } from '../../contracts/activities.js';
import { toolsFor } from '../../contracts/tools/index.js';
import type { DeliveryRequest, InboundMessage, ModelChatInput, ModelReply, ToolInvocation, TurnContext } from '../../contracts/types.js';
import { ConfigSchema } from '../../lib/config.js';
import type { TurnActivityStubs } from '../support/workflow-env.js';

/** The product's step limit when AGENT_MAX_STEPS is not set. */
export const DEFAULT_MAX_STEPS = ConfigSchema.shape.AGENT_MAX_STEPS.parse(undefined);

/** What the model says at one step of one turn. */
export type ModelScript = (step: { turnId: string; step: number; input: ModelChatInput }) => ModelReply | Promise<ModelReply>;

export const say = (content: string): ModelReply => ({ content, toolCalls: [], model: 'stub', modelMs: 1 });

export const callTool = (name: string, args: Record<string, unknown>): ModelReply => ({
  content: '',
  toolCalls: [{ function: { name, arguments: args } }],
  model: 'stub',
  modelMs: 1,
});

/** Answers each turn with the texts of the messages it was given. */
export const echo: ModelScript = ({ input }) =>
  say(`answered ${input.messages.filter((m) => m.role === 'user').map((m) => m.content).join(' + ')}`);

export function message(folder: string, seq: number, text = `message ${seq}`): InboundMessage {
  return { id: `m${seq}`, chat: `local:${folder}`, sender: 'tester', text, timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(), seq };
}

/** Turns the test holds in their model step until it lets them go. */
export class Holds {
  private readonly gates = new Map<string, { open: Promise<void>; release: () => void }>();
  private readonly held = new Set<string>();

  hold(turnId: string): void {
    this.held.add(turnId);
  }

  release(turnId: string): void {
    this.gate(turnId).release();
  }

  /** Inside an activity: waits while the turn is held, ending early when Temporal cancels the step. */
  async pass(turnId: string): Promise<void> {
    if (!this.held.has(turnId)) return;
    const context = Context.current();
    const beat = setInterval(() => context.heartbeat(), 100);
    try {
      await Promise.race([this.gate(turnId).open, context.cancelled]);
    } finally {
      clearInterval(beat);
    }
  }

  private gate(turnId: string) {
    let gate = this.gates.get(turnId);
    if (!gate) {
      let release!: () => void;
      const open = new Promise<void>((resolve) => (release = resolve));
      gate = { open, release };
      this.gates.set(turnId, gate);
    }
    return gate;
  }
}

export interface Recorded {
  /** Each turn's context load: the turn and the ids of the messages it answers, in order. */
  turns: { turnId: string; messages: string[] }[];
  modelSteps: { turnId: string; step: number }[];
  delivered: DeliveryRequest[];
  notices: TurnFailedNotice[];
  tools: ToolInvocation[];
  /** Model steps that ended because Temporal cancelled them. */
  cancelledSteps: string[];
  /** The most model steps running at once, over all turns. */
  maxStepsAtOnce: number;
}

export function stubActivities(folder: string, script: ModelScript, holds = new Holds()): TurnActivityStubs & { seen: Recorded; holds: Holds } {
  const seen: Recorded = { turns: [], modelSteps: [], delivered: [], notices: [], tools: [], cancelledSteps: [], maxStepsAtOnce: 0 };
  let running = 0;
  // Every activity here runs for a workflow (these are not standalone activities).
  const turnId = () => Context.current().info.workflowExecution!.workflowId;
  const context = (messages: InboundMessage[]): TurnContext => ({
    group: { folder, chat: `local:${folder}`, name: folder, isMain: false },
    system: 'You are a stub.',
    // As the real loader does, the turn's own messages end the history the model reads (a
    // reference carries only a preview: the stub's texts are short enough to be whole in it).
    history: messages.map((m) => ({ role: 'user', content: m.preview ?? m.text ?? '' })),
    tools: toolsFor(false),
    limits: { maxSteps: DEFAULT_MAX_STEPS, modelTimeoutMs: 60_000, sandboxStepTimeoutMs: 60_000 },
  });
  return {
    seen,
    holds,
    channel: {
      async loadTurnContext(input) {
        seen.turns.push({ turnId: turnId(), messages: input.messages.map((m) => m.id) });
        return context(input.messages);
      },
      async deliver(request) {
        seen.delivered.push(request);
        return { messageId: `sent-${seen.delivered.length}`, alreadySent: false };
      },
      async notifyTurnFailed(notice) {
        seen.notices.push(notice);
        return { messageId: `notice-${seen.notices.length}`, alreadySent: false };
      },
      async queueGroupTurn() {
        throw ApplicationFailure.nonRetryable('queueGroupTurn is for task runs, which these tests do not start', 'NotStubbed');
      },
      async findGroupJob() {
        throw ApplicationFailure.nonRetryable('findGroupJob is for task runs, which these tests do not start', 'NotStubbed');
      },
      async answerCommand() {
        throw ApplicationFailure.nonRetryable('chat commands are tested with a whole BabyBot (tests/commands/)', 'NotStubbed');
      },
      async modelToPull() {
        throw ApplicationFailure.nonRetryable('chat commands are tested with a whole BabyBot (tests/commands/)', 'NotStubbed');
      },
      async compactPrompt() {
        throw ApplicationFailure.nonRetryable('chat commands are tested with a whole BabyBot (tests/commands/)', 'NotStubbed');
      },
      async askApproval() {
        throw ApplicationFailure.nonRetryable('approvals are tested with a whole BabyBot (tests/commands/)', 'NotStubbed');
      },
      async endApproval() {
        throw ApplicationFailure.nonRetryable('approvals are tested with a whole BabyBot (tests/commands/)', 'NotStubbed');
      },
      async decideApproval() {
        throw ApplicationFailure.nonRetryable('approvals are tested with a whole BabyBot (tests/commands/)', 'NotStubbed');
      },
      async planDelegation() {
        return { ok: false as const, error: 'sub-agents are tested in tests/agents/' };
      },
      async loadAgentContext() {
        throw ApplicationFailure.nonRetryable('sub-agents are tested in tests/agents/', 'NotStubbed');
      },
      async agentEnded() {},
      async deliverAgentResult() {
        return { delivered: false };
      },
      async runHostTool(invocation) {
        seen.tools.push(invocation);
        return `${invocation.tool}: done`;
      },
    },
    model: {
      async chat(input) {
        const id = turnId();
        const step = input.messages.filter((m) => m.role === 'assistant').length + 1;
        seen.modelSteps.push({ turnId: id, step });
        running++;
        seen.maxStepsAtOnce = Math.max(seen.maxStepsAtOnce, running);
        try {
          await holds.pass(id);
        } catch (error) {
          seen.cancelledSteps.push(id);
          throw error;
        } finally {
          running--;
        }
        return script({ turnId: id, step, input });
      },
      async pullModel() {
        throw ApplicationFailure.nonRetryable('the stub model is always pulled', 'NotStubbed');
      },
    },
    sandbox: {
      async runSandboxTool(invocation) {
        seen.tools.push(invocation);
        return `exit 0\n${invocation.tool}: done`;
      },
    },
  };
}
