// The host's side of sub-agents, on the channel queue (it needs the store): the delegate
// call checked and its sub-agents reserved (agent-plan.ts), a sub-agent's context, its end
// recorded, and a background sub-agent's result delivered to its group's chat.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AgentActivities } from '../contracts/activities.js';
import { AgentResultSchema } from '../contracts/agents.js';
import { RESULT_TEXT_MAX_BYTES } from '../contracts/agent-bounds.js';
import { boundUtf8 } from '../contracts/bytes.js';
import { HOST_NOTE_TAG } from '../contracts/host-notes.js';
import type { AgentRunInput, TurnContext } from '../contracts/types.js';
import { deliver, type DeliveryDeps } from './delivery.js';
import { planDelegation, type PlanDeps } from './agent-plan.js';
import { systemPrompt, type PromptSettings } from './turn-context.js';

export interface AgentActivityDeps extends PlanDeps, DeliveryDeps {
  prompt: PromptSettings;
  limits: TurnContext['limits'];
  /** The tools that wait for the owner in the group (the same policy as its turns). */
  approveOf: (folder: string, isMain: boolean) => TurnContext['approve'];
}

export function createAgentActivities(deps: AgentActivityDeps): AgentActivities {
  return {
    async planDelegation(input) {
      const { info } = Context.current();
      const run = info.workflowExecution!;
      return planDelegation(deps, { workflowId: run.workflowId, step: `${run.runId}:${info.activityId}` }, input.group, input.args);
    },

    async loadAgentContext(input: AgentRunInput): Promise<TurnContext> {
      // The group as registered now: a sub-agent never outlives its group's registration.
      const group = deps.store.groupByFolder(input.folder);
      if (!group) {
        throw ApplicationFailure.nonRetryable(`The group "${input.folder}" is not registered (any more), so its sub-agent did not run.`, 'GroupNotRegistered');
      }
      // The tools the host reserved for it, still within what the group is offered now.
      const tools = input.tools.filter((tool) => deps.toolsOf(group).includes(tool));
      const approve = deps.approveOf(group.folder, group.isMain);
      const { model } = deps.store.groupSettings(group.folder);
      return {
        group: { folder: group.folder, chat: group.jid, name: group.name, isMain: group.isMain, sandbox: group.sandbox },
        system: systemPrompt(deps.prompt),
        history: [
          { role: 'user', content: agentNote(input) },
          { role: 'user', content: input.brief.brief },
        ],
        tools,
        ...(model ? { model } : {}),
        ...(approve ? { approve } : {}),
        // Its own step budget (reserved in the store); its deadline is its workflow's.
        limits: { ...deps.limits, maxSteps: Math.min(input.maxSteps, deps.agents.stepsPerAgent) },
      };
    },

    async agentEnded({ result }) {
      // The same schema at every hop: a result that does not fit is recorded as failed.
      const parsed = AgentResultSchema.safeParse(result);
      const status = parsed.success ? parsed.data.ended : 'failed';
      deps.store.endAgent(result.agentId, status, parsed.success ? parsed.data.steps : 0);
    },

    async deliverAgentResult({ folder, report }) {
      const group = deps.store.groupByFolder(folder);
      // A group removed since is told nothing: the row says how the sub-agent ended.
      if (!group) return { delivered: false };
      const { result } = report;
      const head = result.ok ? 'A sub-agent finished' : `A sub-agent could not finish (${result.ended})`;
      const files = result.filesWritten.length ? `\nFiles: ${result.filesWritten.join(', ')}` : '';
      const text = `${head}: "${boundUtf8(report.brief, 120)}"\n\n${boundUtf8(result.text, RESULT_TEXT_MAX_BYTES)}${files}`;
      await deliver(deps, { key: `agent-result:${result.agentId}`, chat: group.jid, text });
      return { delivered: true };
    },
  };
}

/** The host's note that opens a sub-agent's conversation: what it is, where it writes, how it answers. */
function agentNote(input: AgentRunInput): string {
  return [
    `${HOST_NOTE_TAG} You are a sub-agent: another agent handed you the task in the next message, and it is your only context (you do not see the chat).`,
    `Work in your sandbox; write your working files under ${input.scratch}/ (relative to /workspace/group), not elsewhere.`,
    input.brief.skills?.length ? `Read these skills first with read_skill: ${input.brief.skills.join(', ')}.` : '',
    `You have at most ${input.maxSteps} steps. When done, answer with the result itself, short: it is handed back as your answer.`,
  ]
    .filter(Boolean)
    .join('\n');
}
