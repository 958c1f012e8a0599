// One agent turn: load the group's context, then ask the model and run its tool calls
// until it answers or reaches the step limit, then deliver the answer exactly once.
// Every step is an activity, so the Web UI shows what the model was asked, what it
// answered and what each tool returned; a failed turn fails here, visibly, after the
// user has been told.
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { ChannelActivities } from '../activities/channel-activities.js';
import type { ModelActivities } from '../activities/model.js';
import type { SandboxActivities } from '../activities/sandbox.js';
import { modelSteps } from './model-step.js';
import { queuesOf } from './task-queue-names.js';
import { checkToolCall } from './tools/index.js';
import type { AgentTurnInput, AgentTurnResult, ChatMessage, ToolCall, TurnContext } from './types.js';

const TOOL_RESULT_LIMIT = 16_000;

/** The activity proxies of a turn, with the timing contract of each kind of step. */
function turnActivities(limits?: TurnContext['limits']) {
  const queues = queuesOf(workflowInfo().taskQueue);
  return {
    // Store reads and host tools: quick, local, retried briefly.
    channel: proxyActivities<ChannelActivities>({
      taskQueue: queues.channel,
      startToCloseTimeout: '30s',
      retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 10 },
    }),
    // Delivery waits out a disconnected channel (WhatsApp down for hours) rather than drop a reply.
    delivery: proxyActivities<ChannelActivities>({
      taskQueue: queues.channel,
      startToCloseTimeout: '60s',
      scheduleToCloseTimeout: '24h',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s' },
    }),
    model: proxyActivities<ModelActivities>({
      taskQueue: queues.model,
      startToCloseTimeout: limits?.modelTimeoutMs ?? '5m',
      // The activity heartbeats every 2 s while it waits: a worker that died is noticed in 10 s.
      heartbeatTimeout: '10s',
      retry: {
        initialInterval: '1s',
        backoffCoefficient: 2,
        maximumInterval: '30s',
        maximumAttempts: 10,
        nonRetryableErrorTypes: ['ModelRequestRejected', 'ModelNotAvailable'],
      },
    }),
    sandbox: proxyActivities<SandboxActivities>({
      taskQueue: queues.sandbox,
      // The step's own limit plus the time to start a container.
      startToCloseTimeout: (limits?.sandboxStepTimeoutMs ?? 120_000) + 60_000,
      heartbeatTimeout: '20s',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 },
    }),
  };
}

type TurnActivities = ReturnType<typeof turnActivities>;

export async function agentTurnWorkflow(input: AgentTurnInput): Promise<AgentTurnResult> {
  const info = workflowInfo();
  const { channel, delivery } = turnActivities();
  try {
    // Summaries name each step in the Web UI's timeline; they are not part of replay.
    const context = await channel.loadTurnContext.executeWithOptions({ summary: `context of ${input.folder}` }, [
      { folder: input.folder, chat: input.chat, messages: input.messages, task: input.task },
    ]);
    return await runConversation(input, context, turnActivities(context.limits));
  } catch (error) {
    const reason = describeFailure(error);
    // Tell the user once (the delivery key makes a retried notice a no-op), then fail the
    // run so it shows as Failed in the Web UI with the same readable cause.
    await delivery.notifyTurnFailed.executeWithOptions({ summary: `tell ${input.chat}: ${reason.type}` }, [
      {
        key: `failure:${info.workflowId}:${info.runId}`,
        chat: input.chat,
        workflowId: info.workflowId,
        runId: info.runId,
        reason: reason.message,
      },
    ]);
    throw ApplicationFailure.create({ type: reason.type, message: reason.message, nonRetryable: true, cause: error as Error });
  }
}

async function runConversation(input: AgentTurnInput, context: TurnContext, activities: TurnActivities): Promise<AgentTurnResult> {
  const turnId = workflowInfo().workflowId;
  const replyKey = `reply:${turnId}`;
  const messages: ChatMessage[] = [{ role: 'system', content: context.system }, ...context.history];
  // Pulls the model first when it is missing; fails the turn (user told) when it grows too large.
  const askModel = modelSteps(activities.model, queuesOf(workflowInfo().taskQueue).model);
  let toolCalls = 0;
  for (let step = 1; step <= context.limits.maxSteps; step++) {
    const reply = await askModel({ messages, tools: context.tools }, step);
    messages.push({ role: 'assistant', content: reply.content, ...(reply.toolCalls.length ? { tool_calls: reply.toolCalls } : {}) });
    if (reply.toolCalls.length === 0) {
      const text = reply.content.trim();
      if (text) {
        await activities.delivery.deliver.executeWithOptions({ summary: `reply to ${input.chat}` }, [
          { key: replyKey, chat: input.chat, text },
        ]);
      }
      return { reply: text, steps: step, toolCalls, stoppedAtStepLimit: false };
    }
    for (const call of reply.toolCalls) {
      toolCalls++;
      const result = await runTool(call, context, turnId, activities);
      messages.push({ role: 'tool', tool_name: call.function.name, content: capped(result) });
    }
    if (reply.toolCallsDropped) {
      messages.push({
        role: 'tool',
        content: `Error: only the first ${reply.toolCalls.length} tool calls of a step are run; ${reply.toolCallsDropped} more were not. Make them in the next step.`,
      });
    }
  }
  const text =
    `I stopped after ${context.limits.maxSteps} steps without finishing (my step limit). ` +
    'Ask again, perhaps in smaller parts, and I will pick up from here.';
  await activities.delivery.deliver.executeWithOptions({ summary: `step limit notice to ${input.chat}` }, [
    { key: replyKey, chat: input.chat, text },
  ]);
  return { reply: text, steps: context.limits.maxSteps, toolCalls, stoppedAtStepLimit: true };
}

/** Runs one tool call; whatever goes wrong becomes text the model reads, never a failed turn. */
async function runTool(call: ToolCall, context: TurnContext, turnId: string, activities: TurnActivities): Promise<string> {
  if (call.rejected) return `Error: ${call.function.name}: ${call.rejected}`;
  const check = checkToolCall(call.function.name, call.function.arguments, context.tools);
  if (!check.ok) return check.error;
  const invocation = { tool: check.tool.name, args: check.args, group: context.group, turnId };
  const summary = `${check.tool.name} ${JSON.stringify(check.args).slice(0, 120)}`;
  try {
    return check.tool.runsOn === 'sandbox'
      ? await activities.sandbox.runSandboxTool.executeWithOptions({ summary }, [invocation])
      : await activities.channel.runHostTool.executeWithOptions({ summary }, [invocation]);
  } catch (error) {
    return `Error: ${check.tool.name} failed: ${describeFailure(error).message}`;
  }
}

function capped(text: string): string {
  if (text.length <= TOOL_RESULT_LIMIT) return text;
  return `${text.slice(0, TOOL_RESULT_LIMIT)}\n[… ${text.length - TOOL_RESULT_LIMIT} more characters cut]`;
}

/** The innermost readable cause of a failure: its type and a sentence a person understands. */
function describeFailure(error: unknown): { type: string; message: string } {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  if (current instanceof ApplicationFailure) {
    return { type: current.type ?? 'TurnFailed', message: current.message };
  }
  return { type: 'TurnFailed', message: current instanceof Error ? current.message : String(current) };
}
