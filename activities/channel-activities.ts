// Activities of the channel task queue: everything that needs the store, the group
// folders or a channel's socket. Only the process that holds them polls this queue.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { oneLine } from '../contracts/one-line.js';
import { folderOfWorkflowId } from '../contracts/ids.js';
import type { Group, Store } from '../lib/store/store.js';
import {
  TURN_OUT_OF_ORDER,
  type ChannelActivities,
  type FindGroupJobInput,
  type GroupJobState,
  type LoadTurnContextInput,
  type QueuedGroupTurn,
  type QueueGroupTurnInput,
  type TurnFailedNotice,
} from '../contracts/activities.js';
import { checkToolArguments, toolsFor } from '../contracts/tools/index.js';
import type { DeliveryRequest, GroupJob, ToolInvocation, TurnContext } from '../contracts/types.js';
import { createAgentActivities } from './agent-activities.js';
import type { AgentLimits } from './agent-plan.js';
import { createApprovalActivities, type ApprovalDeps } from './approval-activities.js';
import { createCommandActivities, type CommandDeps } from './command-activities.js';
import { deliver } from './delivery.js';
import { boundHistory } from './history-bytes.js';
import { HOST_TOOL_HANDLERS, type HostToolDeps } from './host-tools/index.js';
import { conversation, endingWithTime, systemPrompt, TASKS_IN_NOTE, withGroupNote, type PromptSettings } from './turn-context.js';

export interface ChannelActivityDeps extends HostToolDeps, CommandDeps {
  /** Hands the owner's answer to a waiting turn (its `approval` update). */
  tellTurn: ApprovalDeps['tellTurn'];
  /** Tools that wait for the owner in every group that is not main (APPROVE_TOOLS), and for how long (APPROVAL_TIMEOUT). */
  approvals: { tools: string[]; timeoutMs: number };
  store: Store;
  prompt: PromptSettings;
  limits: TurnContext['limits'];
  /** The Web UI page of a run, for failure notices; undefined when no UI is known. */
  runLink: (workflowId: string, runId: string) => string | undefined;
  /** Puts a job (a task run's turn) into its group's queue: signalWithStart of `group:<folder>`. */
  queueJob: (group: Group, job: GroupJob) => Promise<void>;
  /** Where a queued job stands, as Temporal sees it (temporal/group-jobs.ts). */
  findGroupJob: (input: FindGroupJobInput) => Promise<GroupJobState>;
  /** How often a waiting task run checks its job (GROUP_JOB_CHECK). */
  groupJobCheckMs: number;
  /** The turn a group's workflow runs now (its queue query); undefined when none. */
  currentTurnOf: (folder: string) => Promise<string | undefined>;
  /** Sub-agents' limits (AGENT_* and GROUP_AGENT* settings). */
  agents: AgentLimits;
}

/** The tools a group's turns are offered: delegate only where its limits allow any sub-agent. */
/** The group's tools; those that change a task only when `hasTask` (a turn asks the store first, a sub-agent's plan does not). */
function offeredTools(deps: ChannelActivityDeps, group: Group, hasTask = true): string[] {
  const swarm = group.isMain ? deps.agents.main : deps.agents.group;
  return toolsFor(group.isMain, hasTask).filter((tool) => tool !== 'delegate' || swarm.perTurn > 0);
}

/**
 * A Reset run of a turn (its steps say `rerun`) goes on only while its group names the turn as
 * its current one (a Reset of the running turn: the group waits for the new run). A Reset of a
 * turn the group has moved past would answer beside the group's order: refused, saying what to do.
 */
async function confirmTurnOrder(deps: ChannelActivityDeps, rerun: boolean | undefined): Promise<void> {
  if (!rerun) return;
  const { workflowExecution } = Context.current().info;
  const turnId = workflowExecution?.workflowId ?? '';
  const folder = folderOfWorkflowId(turnId);
  const current = folder ? await deps.currentTurnOf(folder) : undefined;
  if (current === turnId) return;
  throw ApplicationFailure.nonRetryable(
    `This run is a Reset of ${turnId}, which its group is not running now (${current ? `it runs ${current}` : 'it runs no turn'}); ` +
      `a Reset would answer beside the group's order, so it was refused and did nothing. ` +
      `To run the turn again in the group's order, use \`babybot retry ${turnId}\`.`,
    TURN_OUT_OF_ORDER,
  );
}

export function createChannelActivities(deps: ChannelActivityDeps): ChannelActivities {
  return {
    ...createCommandActivities(deps),
    ...createApprovalActivities(deps),
    ...createAgentActivities({
      ...deps,
      toolsOf: (group) => offeredTools(deps, group),
      approveOf: (folder) => {
        const group = deps.store.groupByFolder(folder);
        return group ? approvalsOf(deps, group).approve : undefined;
      },
    }),
    async loadTurnContext(input: LoadTurnContextInput): Promise<TurnContext> {
      await confirmTurnOrder(deps, input.rerun);
      const group = deps.store.groupByFolder(input.folder);
      if (!group) {
        throw ApplicationFailure.nonRetryable(
          `The group "${input.folder}" is not registered (any more). Register it with \`babybot groups add\`.`,
          'GroupNotRegistered',
        );
      }
      // Messages queued for a chat the folder no longer belongs to (re-registered, or a changed
      // WHATSAPP_MAIN_CHAT) are not answered: that chat is not registered with this group any more.
      const foreign = input.messages.find((message) => message.chat !== group.jid);
      if (foreign) {
        throw ApplicationFailure.nonRetryable(
          `The message ${foreign.id} came from ${foreign.chat}, but the group "${group.folder}" is now registered for ${group.jid}; it is not answered.`,
          'GroupNotRegistered',
        );
      }
      // "typing…" while the turn runs; the channel clears it when the reply is delivered.
      await deps.outbound.channelFor(group.jid)?.setTyping?.(group.jid, true);
      // Where the conversation starts, its summary and the model: what the group's commands set.
      const settings = deps.store.groupSettings(group.folder);
      const history = conversation(deps.store, deps.prompt, group.jid, input.messages, input.task, settings.contextAfterSeq);
      const tasks = await deps.tasks.tasksInBrief(group.folder, TASKS_IN_NOTE);
      // Main changes every group's tasks: its tools are there when any group has one.
      const anyTask = group.isMain && tasks?.tasks.length === 0 ? await deps.tasks.tasksInBrief(undefined, 1) : tasks;
      return {
        group: { folder: group.folder, chat: group.jid, name: group.name, isMain: group.isMain, sandbox: group.sandbox },
        system: systemPrompt(deps.prompt),
        // The history bounded in bytes (this result is a Temporal payload, and a chat can hold any
        // amount); the host's note before it is bounded by its memory files' own limit (and the summary's).
        history: withGroupNote(deps.prompt, group, boundHistory(endingWithTime(deps.prompt, history)), settings.summary, tasks),
        tools: offeredTools(deps, group, anyTask === undefined || anyTask.tasks.length > 0 || anyTask.more),
        ...(settings.model ? { model: settings.model } : {}),
        ...approvalsOf(deps, group),
        limits: deps.limits,
      };
    },

    async deliver(request: DeliveryRequest): Promise<{ messageId: string; alreadySent: boolean }> {
      await confirmTurnOrder(deps, request.rerun);
      return deliver(deps, request);
    },

    async notifyTurnFailed(notice: TurnFailedNotice): Promise<{ messageId?: string; alreadySent: boolean; told?: string }> {
      const group = deps.store.groupByFolder(notice.folder);
      if (!group) return { alreadySent: false };
      const link = deps.runLink(notice.workflowId, notice.runId);
      const text =
        `Sorry, I could not answer that: ${firstSentence(notice.reason)}\n` +
        `Run: ${notice.workflowId}${link ? `\n${link}` : ''}`;
      return { ...(await deliver(deps, { key: notice.key, chat: group.jid, text })), told: group.jid };
    },

    /** Queues a task run's turn behind the group's other turns; an unregistered group's task is paused instead. */
    async queueGroupTurn(input: QueueGroupTurnInput): Promise<QueuedGroupTurn> {
      const group = deps.store.groupByFolder(input.folder);
      if (!group) {
        await deps.tasks.pauseUnregistered(input.taskId);
        throw ApplicationFailure.nonRetryable(
          `The group "${input.folder}" is not registered any more, so its task ${input.taskId} did not run and is paused. ` +
            'Register the folder again (`babybot groups add`) to resume it, or remove the task.',
          'GroupNotRegistered',
        );
      }
      await deps.queueJob(group, { ...input.job, chat: group.jid });
      return { queuedIn: `group:${group.folder}`, checkEveryMs: deps.groupJobCheckMs };
    },

    async findGroupJob(input: FindGroupJobInput): Promise<GroupJobState> {
      return deps.findGroupJob(input);
    },

    async runHostTool(invocation: ToolInvocation): Promise<string> {
      await confirmTurnOrder(deps, invocation.rerun);
      const handler = HOST_TOOL_HANDLERS[invocation.tool];
      if (!handler) throw ApplicationFailure.nonRetryable(`No host tool named ${invocation.tool}.`, 'UnknownTool');
      // The model's arguments, checked here where they are used: wrong ones are the model's to correct.
      const check = checkToolArguments(invocation.tool, invocation.args);
      if (!check.ok) return check.error;
      // Who asks is decided here, from the store, never from the workflow's input: a turn
      // started (or reset, or retried) with another group's context, or a group demoted
      // since its turn began, gets only what the registered group may do now.
      const group = deps.store.groupByFolder(invocation.group.folder);
      if (!group || group.jid !== invocation.group.chat) {
        throw ApplicationFailure.nonRetryable(
          `The group "${invocation.group.folder}" (${invocation.group.chat}) is not registered as such (any more); nothing was done.`,
          'GroupNotRegistered',
        );
      }
      const trusted = { folder: group.folder, chat: group.jid, name: group.name, isMain: group.isMain, sandbox: group.sandbox };
      return handler(deps, { ...invocation, args: check.args, group: trusted });
    },
  };
}

/** The tools whose calls wait for the owner in this group: its own list, and APPROVE_TOOLS unless it is main. */
function approvalsOf(deps: ChannelActivityDeps, group: Group): { approve?: TurnContext['approve'] } {
  const tools = [...new Set([...(deps.store.approveTools(group.folder) ?? []), ...(group.isMain ? [] : deps.approvals.tools)])];
  return tools.length ? { approve: { tools, timeoutMs: deps.approvals.timeoutMs } } : {};
}

function firstSentence(text: string): string {
  return oneLine(text.trim().split('\n')[0], 300);
}
