// The agent loop, the same for a turn and for a sub-agent: ask the model, run its tool
// calls (on the host, in the sandbox, or, for delegate, as child workflows), until it
// answers or reaches its step limit. Whatever a tool does wrong becomes text the model
// reads; only a cancellation (a person, the bound) ends the loop early.
import { ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, patched, workflowInfo } from '@temporalio/workflow';
import { TURN_OUT_OF_ORDER } from '../contracts/activities.js';
import { approvals } from './approval-wait.js';
import { modelSteps } from './model-step.js';
import { boundUtf8 } from '../contracts/bytes.js';
import { ANSWER_NOW_NOTE } from '../contracts/host-notes.js';
import { PATCHES } from '../contracts/patches.js';
import { queuesOf } from '../contracts/task-queue-names.js';
import { offeredPlace, unknownToolError } from '../contracts/tools/places.js';
import type { AgentTurnResult, ChatMessage, ToolCall, TurnContext } from '../contracts/types.js';
import type { TurnActivities } from './turn-activities.js';

const TOOL_RESULT_LIMIT_BYTES = 16_000;

/** What the loop does beyond the activities: delegate's child workflows, and the files its calls wrote. */
export interface LoopHooks {
  /** Runs a delegate call (workflows/delegate.ts); absent where delegate is not offered. */
  delegate?: (args: Record<string, unknown>) => Promise<string>;
  /** Collects the paths write_file wrote (a sub-agent's result names them). */
  written?: string[];
  /** Counts the model steps taken, also for a loop that ends by failing. */
  progress?: { steps: number };
  /** Sends the words beside the first tool calls to the chat now (a turn's; a sub-agent has no chat). */
  interim?: (text: string) => Promise<void>;
}

/** The longest text sent as an interim message: a longer one is a draft, not a word of progress. */
const INTERIM_MAX_CHARS = 600;

/** A tool result that says the call did nothing: every refusal and failure opens with "Error" (runTool, the activities). */
const isErrorResult = (result: string) => result.startsWith('Error');

/** Runs fn within an execution bound; the bound's own cancellation becomes `type`, with `message`. */
export async function withinBound<T>(ms: number, fn: () => Promise<T>, type: string, message: string): Promise<T> {
  try {
    return await CancellationScope.withTimeout(ms, fn);
  } catch (error) {
    // The outer scope is cancelled only when a person cancelled the run: otherwise the bound did.
    if (isCancellation(error) && !CancellationScope.current().consideredCancelled) {
      throw ApplicationFailure.nonRetryable(message, type);
    }
    throw error;
  }
}

export async function runConversation(context: TurnContext, activities: TurnActivities, rerun: { rerun?: boolean }, hooks: LoopHooks = {}): Promise<AgentTurnResult> {
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
    if (hooks.progress) hooks.progress.steps = step;
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
    if (hooks.interim && !interimSent && said && said.length <= INTERIM_MAX_CHARS && patched(PATCHES.interimMessage.id)) {
      interimSent = true;
      await hooks.interim(said);
    }
    let failed = 0;
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
      const result = capped(refused ?? (await runTool(call, context, turnId, activities, rerun, hooks)));
      if (!call.rejected) results.set(key, result);
      if (isErrorResult(result)) failed++;
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
    // A failed call is the model's to correct: told to answer, the 0.5B gave up on a schedule_task
    // refused only for having both cron and at, and answered with the task's prompt (2026-12-07).
    const toCorrect = failed > 0 && patched(PATCHES.errorLeftToFix.id);
    if (reply.callsFromContent && !toCorrect && patched(PATCHES.answerNowNote.id)) messages.push({ role: 'user', content: ANSWER_NOW_NOTE });
    // Told once that it had the result and asking again: a small model in a loop. Every
    // further step would cost a model step (a minute on a CPU) to end in the same place.
    if (repeats >= 2 && step < context.limits.maxSteps && patched(PATCHES.repeatLoopEnds.id)) {
      return { reply: repeatingAnswer(messages), steps: step, toolCalls, stoppedAtStepLimit: false, stoppedRepeating: true };
    }
  }
  return { reply: stepLimitAnswer(context.limits.maxSteps, messages), steps: context.limits.maxSteps, toolCalls, stoppedAtStepLimit: true };
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
  const found = messages.findLast((m) => m.role === 'tool' && m.content.trim() && !isErrorResult(m.content) && !m.content.startsWith('You already called'));
  if (!found) return undefined;
  const text = found.content.trim();
  return { tool: found.tool_name, quoted: text.length <= LIMIT_QUOTE_CHARS ? text : `${text.slice(0, LIMIT_QUOTE_CHARS)}\n[…]` };
}

/**
 * Runs one tool call; whatever goes wrong becomes text the model reads, never a failed turn,
 * except a cancellation: that ends the turn (a person cancelled it, or its bound ran out).
 */
async function runTool(call: ToolCall, context: TurnContext, turnId: string, activities: TurnActivities, rerun: { rerun?: boolean }, hooks: LoopHooks): Promise<string> {
  const name = call.function.name;
  if (call.rejected) return `Error: ${name}: ${call.rejected}`;
  const place = offeredPlace(name, context.tools);
  if (!place) return unknownToolError(name, context.tools);
  // The arguments are checked against the tool's schema where it runs: an activity whose
  // input and answer (the error the model reads, when they are wrong) the Web UI shows.
  const args = call.function.arguments ?? {};
  const invocation = { tool: name, args, group: context.group, turnId, ...rerun };
  const summary = `${name} ${JSON.stringify(args).slice(0, 120)}`;
  // A lone reply call is the step's answer (activities/reply-call.ts); beside others it is not sent.
  if (place === 'answer') return `Error: ${name} was not sent: it came with other calls. Answer once their results are in.`;
  try {
    if (place === 'workflow') {
      // Only delegate runs here; where the loop has no delegate hook, it was not offered.
      return hooks.delegate ? await hooks.delegate(args) : unknownToolError(name, context.tools);
    }
    const result = place === 'sandbox'
      ? await activities.sandbox.runSandboxTool.executeWithOptions({ summary }, [invocation])
      : await activities.channel.runHostTool.executeWithOptions({ summary }, [invocation]);
    if (name === 'write_file' && typeof args.path === 'string' && !isErrorResult(result)) hooks.written?.push(args.path);
    return result;
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
export function describeFailure(error: unknown): { type: string; message: string } {
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
