// One agent turn: load the group's context, then ask the model and run its tool calls
// until it answers or reaches the step limit, then deliver the answer exactly once.
// Every step is an activity, so the Web UI shows what the model was asked, what it
// answered and what each tool returned; a failed turn fails here, visibly, after the
// user has been told.
//
// The chat a turn answers is the registered group's chat at this turn (from the store,
// through loadTurnContext), never one frozen into a long-lived input. Side effects are
// keyed by this run: a retry of a step repeats nothing, while a new run (a Reset, a
// `babybot retry`) is a new attempt at the turn and answers again.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
} from '@temporalio/workflow';
import {
  CHANNEL_ELSEWHERE,
  TURN_OUT_OF_ORDER,
  type ChannelActivities,
  type LocalChannelActivities,
  type ModelActivities,
  type SandboxActivities,
} from '../contracts/activities.js';
import { approvals } from './approval-wait.js';
import { modelSteps } from './model-step.js';
import { boundUtf8 } from '../contracts/bytes.js';
import { ANSWER_NOW_NOTE } from '../contracts/host-notes.js';
import { PATCHES } from '../contracts/patches.js';
import { priorityOf } from '../contracts/priorities.js';
import { queuesOf } from '../contracts/task-queue-names.js';
import { turnBoundMs } from '../contracts/turn-bound.js';
import { offeredPlace, unknownToolError } from '../contracts/tools/places.js';
import type { AgentTurnInput, AgentTurnResult, ChatMessage, ToolCall, TurnContext } from '../contracts/types.js';

const TOOL_RESULT_LIMIT_BYTES = 16_000;

/**
 * The activity proxies of a turn, with the timing contract of each kind of step. The shared
 * slots (model, sandbox) go to main first (contracts/priorities.ts); before the turn's context
 * is loaded it is not known whether it is main's, but those steps are the channel's, not scarce.
 */
function turnActivities(limits?: TurnContext['limits'], isMain = false) {
  const queues = queuesOf(workflowInfo().taskQueue);
  const priority = priorityOf(isMain);
  return {
    // Store reads and host tools. Each heartbeats (activities/channel-step.ts), so a dead
    // channel worker is noticed in 30 s and a cancellation stops the step; waiting for the
    // channel (a restart, WhatsApp reconnecting) is retried without a count, any other failure
    // becomes final after 10 attempts, and the turn's bound covers the host tools. Its
    // start-to-close covers a file's upload and WhatsApp's acknowledgement of each part (20 s).
    channel: proxyActivities<ChannelActivities>({
      taskQueue: queues.channel,
      startToCloseTimeout: '5m',
      heartbeatTimeout: '30s',
      retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
    }),
    // Delivery waits out a reconnecting channel (WhatsApp down for hours) rather than drop a
    // reply: the group's later messages queue meanwhile and are answered together after it,
    // since they go to the same chat. A channel that cannot deliver until a person acts
    // (logged out, replaced, not linked, the chat unregistered) fails it at once. A long
    // reply is several parts, each acknowledged by WhatsApp: start-to-close covers them all.
    delivery: proxyActivities<ChannelActivities>({
      taskQueue: queues.channel,
      startToCloseTimeout: '10m',
      heartbeatTimeout: '30s',
      scheduleToCloseTimeout: '24h',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s' },
    }),
    // The failure notice is best effort and short: it never holds the group for long, and
    // its own failure never replaces the turn's cause.
    notice: proxyActivities<ChannelActivities>({
      taskQueue: queues.channel,
      startToCloseTimeout: '2m',
      heartbeatTimeout: '30s',
      scheduleToCloseTimeout: '2m',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
    }),
    model: proxyActivities<ModelActivities>({
      taskQueue: queues.model,
      priority,
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
    // An interim message (the model's words beside its first tool calls) helps only now: a
    // channel that cannot take it within a minute is skipped, never waited for.
    interim: proxyActivities<ChannelActivities>({
      taskQueue: queues.channel,
      startToCloseTimeout: '1m',
      heartbeatTimeout: '30s',
      scheduleToCloseTimeout: '1m',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
    }),
    // The fast path of loadTurnContext and deliver, in this worker's process: a few quick
    // attempts, then the step runs on the channel queue with its own retries (channelStep).
    local: proxyLocalActivities<LocalChannelActivities>({
      startToCloseTimeout: '25s',
      retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '1s', maximumAttempts: 3 },
    }),
    sandbox: proxyActivities<SandboxActivities>({
      taskQueue: queues.sandbox,
      priority,
      // The step's own limit plus the time to start a container.
      startToCloseTimeout: (limits?.sandboxStepTimeoutMs ?? 120_000) + 60_000,
      heartbeatTimeout: '20s',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 },
    }),
  };
}

type TurnActivities = ReturnType<typeof turnActivities>;

/** Failures after which nobody in the chat is told: the chat is not the turn's any more, or a person's Reset was refused. */
const NOBODY_TO_TELL = new Set(['GroupNotRegistered', TURN_OUT_OF_ORDER]);

export async function agentTurnWorkflow(input: AgentTurnInput): Promise<AgentTurnResult> {
  const info = workflowInfo();
  const { channel, notice, local } = turnActivities();
  const inProcess = input.localSteps === true;
  // A run that is not the turn's first is a Web UI Reset (turns neither continue as new nor
  // retry; `babybot retry` starts a new execution). Its channel steps first check that the
  // group names this turn as its current one, so a Reset of a turn the group has moved past
  // is refused (saying to use `babybot retry`) instead of answering beside the group's order.
  // The same on replay (both ids are the run's own), and only activity inputs carry it.
  const rerun = info.runId !== info.firstExecutionRunId ? { rerun: true } : {};
  try {
    // Summaries name each step in the Web UI's timeline; they are not part of replay.
    const contextStep = { summary: `context of ${input.folder}` };
    const contextRequest = { folder: input.folder, messages: input.messages, task: input.task, ...rerun };
    const context = await channelStep(
      inProcess,
      () => local.loadTurnContext.executeWithOptions(contextStep, [contextRequest]),
      () => channel.loadTurnContext.executeWithOptions(contextStep, [contextRequest]),
    );
    const activities = turnActivities(context.limits, context.group.isMain);
    const chat = context.group.chat;
    // A call that waits for the owner may wait APPROVAL_TIMEOUT on top of the turn's own bound.
    const bound = turnBoundMs(context.limits) + (context.approve?.timeoutMs ?? 0);
    const answer = await withinBound(bound, () => runConversation(context, activities, rerun));
    if (answer.reply) {
      // Keyed by this run: a retried delivery sends nothing twice (also when the local attempt
      // sent it and the channel queue's attempt follows); a Reset or retried run answers anew.
      const deliveryStep = { summary: `${answer.stoppedAtStepLimit ? 'step limit notice' : 'reply'} to ${chat}` };
      const request = { key: `reply:${info.workflowId}:${info.runId}`, chat, text: answer.reply, ...rerun };
      await channelStep(
        inProcess,
        () => local.deliver.executeWithOptions(deliveryStep, [request]),
        () => activities.delivery.deliver.executeWithOptions(deliveryStep, [request]),
      );
    }
    return answer;
  } catch (error) {
    const reason = describeFailure(error);
    if (!NOBODY_TO_TELL.has(reason.type)) {
      // A task's turn names its task run, the one its Schedule and `babybot tasks list` point at.
      const shown = input.task?.run ?? { workflowId: info.workflowId, runId: info.runId };
      // Tell the user once (keyed by this run), in a scope a cancellation cannot stop, so a
      // cancelled turn is told too; a notice that fails is logged, and the run keeps its own cause.
      await CancellationScope.nonCancellable(async () => {
        try {
          await notice.notifyTurnFailed.executeWithOptions({ summary: `tell ${input.folder}: ${reason.type}` }, [
            {
              key: `failure:${info.workflowId}:${info.runId}`,
              folder: input.folder,
              workflowId: shown.workflowId,
              runId: shown.runId,
              reason: reason.message,
            },
          ]);
        } catch (noticeError) {
          log.warn('the failure notice could not be sent', { error: describeFailure(noticeError).message });
        }
      });
    }
    // A cancelled run shows as Cancelled in the Web UI, with the cancellation as its cause.
    if (reason.type === 'TurnCancelled') throw error;
    throw ApplicationFailure.create({ type: reason.type, message: reason.message, nonRetryable: true, cause: error as Error });
  }
}

/**
 * Runs a channel step in this worker's process when the turn may (its messages came through
 * a channel process that runs workflow tasks too), saving a workflow task and an activity's
 * round trip through the server; otherwise, or when the local attempt did not succeed, as a
 * regular activity on the channel queue, with that step's own timeouts and retries. A worker
 * whose process has no channel fails the local attempt at once (CHANNEL_ELSEWHERE), and that
 * outcome is in the history like any other: a replay on any worker takes the same path.
 */
async function channelStep<T>(inProcess: boolean, runLocal: () => Promise<T>, runOnQueue: () => Promise<T>): Promise<T> {
  if (inProcess) {
    try {
      return await runLocal();
    } catch (error) {
      // A final answer (the group is not registered, the channel needs a person) stays final.
      if (isCancellation(error) || isFinalFailure(error)) throw error;
    }
  }
  return runOnQueue();
}

function isFinalFailure(error: unknown): boolean {
  // A local activity's failure may reach the workflow unwrapped (no ActivityFailure around it).
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure && cause.nonRetryable === true && cause.type !== CHANNEL_ELSEWHERE;
}

/** Runs fn within the turn's execution bound; the bound's own cancellation becomes TurnTimedOut. */
async function withinBound<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await CancellationScope.withTimeout(ms, fn);
  } catch (error) {
    // The outer scope is cancelled only when a person cancelled the run: otherwise the bound did.
    if (isCancellation(error) && !CancellationScope.current().consideredCancelled) {
      throw ApplicationFailure.nonRetryable(
        `the turn was still working after ${Math.round(ms / 60_000)} minutes (its time bound), so it was stopped. Ask again, perhaps in smaller parts.`,
        'TurnTimedOut',
      );
    }
    throw error;
  }
}

async function runConversation(context: TurnContext, activities: TurnActivities, rerun: { rerun?: boolean }): Promise<AgentTurnResult> {
  const turnId = workflowInfo().workflowId;
  const messages: ChatMessage[] = [{ role: 'system', content: context.system }, ...context.history];
  // Pulls the model first when it is missing; fails the turn (user told) when it grows too large.
  const askModel = modelSteps(activities.model, queuesOf(workflowInfo().taskQueue).model);
  // Calls the group's policy names wait for the owner's yes (approval-wait.ts).
  const approved = approvals(context, activities.channel);
  // What each call of this turn returned, by tool and arguments: a small model asks again for
  // what it already has, and would loop until the step limit.
  const results = new Map<string, string>();
  let toolCalls = 0;
  let repeats = 0;
  let interimSent = false;
  for (let step = 1; step <= context.limits.maxSteps; step++) {
    const reply = await askModel(
      { messages, tools: context.tools, ...(context.group.isMain ? { main: true } : {}), ...(context.model ? { model: context.model } : {}) },
      step,
    );
    messages.push({ role: 'assistant', content: reply.content, ...(reply.toolCalls.length ? { tool_calls: reply.toolCalls } : {}) });
    if (reply.toolCalls.length === 0) {
      const text = reply.content.trim();
      // A model that wrote nothing (a thinking model out of budget) must not leave the chat
      // silent. Older runs delivered nothing here: they keep doing so on replay.
      if (!text && patched(PATCHES.emptyAnswerTold.id)) {
        return { reply: emptyAnswerNotice(reply), steps: step, toolCalls, stoppedAtStepLimit: false };
      }
      return { reply: text, steps: step, toolCalls, stoppedAtStepLimit: false };
    }
    // What the model said beside its calls ("Let me look that up") reaches the person now: the
    // tools and the next step may take a minute on a CPU. Once a turn, and only a short text.
    const said = reply.content.trim();
    if (!interimSent && said && said.length <= INTERIM_MAX_CHARS && patched(PATCHES.interimMessage.id)) {
      interimSent = true;
      await sendInterim(said, context, activities, rerun);
    }
    for (const call of reply.toolCalls) {
      toolCalls++;
      const key = `${call.function.name} ${JSON.stringify(call.function.arguments ?? {})}`;
      const earlier = results.get(key);
      // Not run again (older runs did run it: they keep doing so on replay): the model is
      // given the result it already had and asked to answer with it.
      if (earlier !== undefined && !call.rejected && patched(PATCHES.repeatedCallNotRun.id)) {
        repeats++;
        messages.push({ role: 'tool', tool_name: call.function.name, content: repeatedCallNote(call.function.name, earlier) });
        continue;
      }
      const refused = call.rejected || !offeredPlace(call.function.name, context.tools) ? undefined : await approved(call.function.name, call.function.arguments ?? {});
      const result = capped(refused ?? (await runTool(call, context, turnId, activities, rerun)));
      if (!call.rejected) results.set(key, result);
      messages.push({ role: 'tool', tool_name: call.function.name, content: result });
    }
    if (reply.toolCallsDropped) {
      messages.push({
        role: 'tool',
        content: `Error: only the first ${reply.toolCalls.length} tool calls of a step are run; ${reply.toolCallsDropped} more were not. Make them in the next step.`,
      });
    }
    // A model that writes its calls as text answers their results with more calls unless told
    // plainly to answer (contracts/host-notes.ts); one that calls natively is left to decide.
    if (reply.callsFromContent && patched(PATCHES.answerNowNote.id)) messages.push({ role: 'user', content: ANSWER_NOW_NOTE });
    // Told once that it had the result and asking again: a small model in a loop. Every
    // further step would cost a model step (a minute on a CPU) to end in the same place.
    if (repeats >= 2 && step < context.limits.maxSteps && patched(PATCHES.repeatLoopEnds.id)) {
      return { reply: repeatingAnswer(messages), steps: step, toolCalls, stoppedAtStepLimit: false, stoppedRepeating: true };
    }
  }
  return { reply: stepLimitAnswer(context.limits.maxSteps, messages), steps: context.limits.maxSteps, toolCalls, stoppedAtStepLimit: true };
}

/** The longest text sent as an interim message: a longer one is a draft, not a word of progress. */
const INTERIM_MAX_CHARS = 600;

/**
 * Sends the interim message, keyed by this run (a retried step sends it once). It is not
 * worth failing or holding the turn for: a failure is logged and the turn goes on; a
 * cancellation still ends it.
 */
async function sendInterim(text: string, context: TurnContext, activities: TurnActivities, rerun: { rerun?: boolean }): Promise<void> {
  const info = workflowInfo();
  const request = { key: `interim:${info.workflowId}:${info.runId}`, chat: context.group.chat, text, interim: true, ...rerun };
  try {
    await activities.interim.deliver.executeWithOptions({ summary: `interim message to ${context.group.chat}` }, [request]);
  } catch (error) {
    const reason = describeFailure(error);
    if (isCancellation(error) || reason.type === TURN_OUT_OF_ORDER) throw error;
    log.warn('the interim message was not sent', { error: reason.message });
  }
}

/** How much of a tool's result the step limit's answer quotes. */
const LIMIT_QUOTE_CHARS = 1500;

function repeatedCallNote(name: string, earlier: string): string {
  const quoted = earlier.length <= LIMIT_QUOTE_CHARS ? earlier : `${earlier.slice(0, LIMIT_QUOTE_CHARS)} […]`;
  return (
    `You already called ${name} with these same arguments in this conversation, so it was not run again. ` +
    `Its result was:\n${quoted}\nDo not call it again: answer the user now with this result.`
  );
}

/** What the person gets when the model wrote no text at all, instead of silence. */
function emptyAnswerNotice(reply: { thinking?: string; stats?: { doneReason: string } }): string {
  const why = reply.stats?.doneReason === 'length'
    ? 'it used its whole answer budget (num_predict or the context) before writing one'
    : reply.thinking
      ? 'it only thought, and wrote nothing for you'
      : 'it stopped without writing anything';
  return `I have no answer this time: the model returned an empty reply (${why}). Please ask again, perhaps in other words.`;
}

/**
 * The step limit's reply: that the turn stopped, and the best answer there is without asking
 * the model again: the newest result a tool gave (not an error), quoted, so a small model
 * that found the answer but never said it still gets it to the person.
 */
function stepLimitAnswer(maxSteps: number, messages: ChatMessage[]): string {
  const stopped = `I stopped after ${maxSteps} steps without finishing (my step limit).`;
  const again = 'Ask again, perhaps in smaller parts, and I will pick up from here.';
  const found = newestResult(messages);
  if (!found) return `${stopped} ${again}`;
  return `${stopped} The last result I got${found.tool ? ` (from ${found.tool})` : ''}:\n${found.quoted}\n\n${again}`;
}

/** The reply of a turn whose model kept repeating a call it had the result of: that result, the best answer there is. */
function repeatingAnswer(messages: ChatMessage[]): string {
  const found = newestResult(messages);
  if (!found) return 'I could not finish this: I kept repeating the same step without a usable result. Ask again, perhaps in other words.';
  return `Here is the result${found.tool ? ` (from ${found.tool})` : ''}:\n${found.quoted}`;
}

/** The newest result a tool gave in this turn (not an error, not a repeat's note), quoted within LIMIT_QUOTE_CHARS. */
function newestResult(messages: ChatMessage[]): { tool?: string; quoted: string } | undefined {
  const found = messages.findLast((m) => m.role === 'tool' && m.content.trim() && !m.content.startsWith('Error') && !m.content.startsWith('You already called'));
  if (!found) return undefined;
  const text = found.content.trim();
  return { tool: found.tool_name, quoted: text.length <= LIMIT_QUOTE_CHARS ? text : `${text.slice(0, LIMIT_QUOTE_CHARS)}\n[…]` };
}

/**
 * Runs one tool call; whatever goes wrong becomes text the model reads, never a failed turn,
 * except a cancellation: that ends the turn (a person cancelled it, or its bound ran out).
 */
async function runTool(call: ToolCall, context: TurnContext, turnId: string, activities: TurnActivities, rerun: { rerun?: boolean }): Promise<string> {
  const name = call.function.name;
  if (call.rejected) return `Error: ${name}: ${call.rejected}`;
  const place = offeredPlace(name, context.tools);
  if (!place) return unknownToolError(name, context.tools);
  // The arguments are checked against the tool's schema where it runs: an activity whose
  // input and answer (the error the model reads, when they are wrong) the Web UI shows.
  const args = call.function.arguments ?? {};
  const invocation = { tool: name, args, group: context.group, turnId, ...rerun };
  const summary = `${name} ${JSON.stringify(args).slice(0, 120)}`;
  try {
    return place === 'sandbox'
      ? await activities.sandbox.runSandboxTool.executeWithOptions({ summary }, [invocation])
      : await activities.channel.runHostTool.executeWithOptions({ summary }, [invocation]);
  } catch (error) {
    // A refused Reset ends the turn; any other failure is the model's to read.
    if (isCancellation(error) || describeFailure(error).type === TURN_OUT_OF_ORDER) throw error;
    return `Error: ${name} failed: ${describeFailure(error).message}`;
  }
}

/** A tool's result as the next model step's input carries it: bounded in bytes, as Temporal counts. */
function capped(text: string): string {
  return boundUtf8(text, TOOL_RESULT_LIMIT_BYTES, (cut) => `\n[… ${cut} more bytes cut]`);
}

/** The innermost readable cause of a failure: its type and a sentence a person understands. */
function describeFailure(error: unknown): { type: string; message: string } {
  if (isCancellation(error)) {
    return { type: 'TurnCancelled', message: 'the run was cancelled before it finished (by /stop in the chat, from the Web UI or the command line).' };
  }
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  if (current instanceof ApplicationFailure) {
    return { type: current.type ?? 'TurnFailed', message: current.message };
  }
  return { type: 'TurnFailed', message: current instanceof Error ? current.message : String(current) };
}
