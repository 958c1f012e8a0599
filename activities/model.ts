// The model step: one call to Ollama's /api/chat with the tools, streamed. Real Ollama
// writes no HTTP headers until the model is loaded and the whole prompt is read (tens of
// seconds on a CPU), so the step heartbeats from before the request is sent, naming the
// phase (loading, reading prompt, writing) and the tokens so far. A cancelled or timed-out
// step aborts its HTTP request, which ends the work inside Ollama. Timeouts and retries are
// Temporal's: this code only says which failures a retry can help.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ChatRequest, ChatResponse, Ollama, Options } from 'ollama';
import type { Dispatcher } from 'undici';
import type { ModelActivities, PullModelInput } from '../contracts/activities.js';
import type { Logger } from '../lib/logger.js';
import { toolDefinitions } from '../contracts/tools/index.js';
import type { ChatMessage, ModelChatInput, ModelReply, ModelStepStats, ToolCall } from '../contracts/types.js';
import { recogniseContentCalls, withoutTemplateTags } from './content-tool-calls.js';
import { readReplyCall } from './reply-call.js';
import { fitToContext, leastPrompt, TokenEstimate } from './context-budget.js';
import { isUnreachable, ollamaClient, ollamaStatus, silenceCode } from './ollama-client.js';
import { numCtxFor, readModelInfo, type ModelInfo } from './model-info.js';
import { pullModel, type PullProgress } from './model-pull.js';
import { withImages, type ModelImageDeps } from './media/model-images.js';

const HEARTBEAT_EVERY_MS = 2000;
/** What one step may write into the turn's history: Temporal keeps every step's result. */
export const MAX_TOOL_CALLS_PER_STEP = 8;
export const MAX_TOOL_ARGUMENTS_CHARS = 8000;
const THINKING_LIMIT = 8000;
/** An answer longer than this is cut, saying so: WhatsApp takes 65,536 characters, Temporal 2 MB a result. */
const CONTENT_LIMIT = 60_000;
/** Capabilities are re-read after this long, so `ollama create` of a new version is noticed. */
const INFO_TTL_MS = 60_000;

export interface ModelDeps {
  /** Where the photos the history names are read from (GROUPS_DIR), and their caps. */
  images: ModelImageDeps;
  ollamaHost: string;
  /** The HTTP agent every request goes through (its timeouts are OLLAMA_HTTP_TIMEOUT's). */
  dispatcher: Dispatcher;
  model: string;
  /** Pull the model when Ollama says it is missing (OLLAMA_PULL): the turn then runs the pull step. */
  pullMissing: boolean;
  /** OLLAMA_NUM_CTX; unset: the model's own context length, capped. */
  numCtx?: number;
  /** OLLAMA_NUM_THREAD; unset: Ollama's own choice (its physical cores). */
  numThread?: number;
  /** OLLAMA_KEEP_ALIVE, passed through to every request. */
  keepAlive?: string;
  /** OLLAMA_THINK: whether a thinking model thinks (off asks it not to). */
  think: 'auto' | 'on' | 'off';
  log: Logger;
}

type Phase = 'loading' | 'reading prompt' | 'writing';

/**
 * The options that shape the loaded runner. Ollama reloads the model when these differ from
 * the loaded one's, so the warm-up and every step send the same ones.
 */
export function runnerOptions(numCtx: number, numThread?: number): Partial<Options> {
  return { num_ctx: numCtx, ...(numThread ? { num_thread: numThread } : {}) };
}

/** OLLAMA_KEEP_ALIVE as Ollama reads it: a bare number is seconds, anything else a duration. */
export function keepAliveValue(keepAlive?: string): string | number | undefined {
  if (keepAlive === undefined) return undefined;
  return /^-?\d+$/.test(keepAlive) ? Number(keepAlive) : keepAlive;
}

/**
 * The model activities of a worker: a step asks the group's own model (`/model`, carried by
 * the turn's context) or OLLAMA_MODEL. Each model keeps its own tokenizer estimate and
 * capabilities; only OLLAMA_MODEL is pulled by a turn (a group's model was checked in Ollama
 * when it was set).
 */
export function createModelActivities(deps: ModelDeps): ModelActivities {
  const byModel = new Map<string, ModelActivities>();
  const of = (model: string): ModelActivities => {
    let activities = byModel.get(model);
    if (!activities) byModel.set(model, (activities = modelActivitiesFor({ ...deps, model })));
    return activities;
  };
  return {
    chat: (input) => of(input.model ?? deps.model).chat(input),
    // A turn pulls only OLLAMA_MODEL; /model pulls the model it names (checked with the owner's command).
    pullModel: (input) => of(input.forCommand ? input.model : deps.model).pullModel(input),
  };
}

function modelActivitiesFor(deps: ModelDeps): ModelActivities {
  // Per worker process: what this model's tokenizer does, and what the model can do.
  const estimate = new TokenEstimate();
  let info: { value: Promise<ModelInfo>; at: number } | undefined;
  const modelInfo = (): Promise<ModelInfo> => {
    if (!info || Date.now() - info.at > INFO_TTL_MS) {
      const value = readModelInfo(ollamaClient(deps.ollamaHost, deps.dispatcher, AbortSignal.timeout(30_000)), deps.model);
      const entry = { value, at: Date.now() };
      info = entry;
      value.catch(() => {
        if (info === entry) info = undefined;
      });
    }
    return info.value;
  };

  async function chat(input: ModelChatInput): Promise<ModelReply> {
    const context = Context.current();
    const began = performance.now();
    const progress = { phase: 'loading' as Phase, model: deps.model, tokens: 0, thinkingTokens: 0, estimatedPromptTokens: 0, numCtx: 0 };
    const beat = () => context.heartbeat({ ...progress, elapsedMs: Math.round(performance.now() - began) });
    beat();
    const ollama = ollamaClient(deps.ollamaHost, deps.dispatcher, context.cancellationSignal);
    // Until the first byte there is nothing to stream: heartbeat on a timer, and look at
    // /api/ps to tell a model still loading from one reading the prompt. That only names the
    // phase the heartbeats show, so it is asked beside the request, never before it.
    const noteIfLoaded = () =>
      void isLoaded(ollama, deps.model).then((loaded) => {
        if (loaded && progress.phase === 'loading') progress.phase = 'reading prompt';
      });
    const ticker = setInterval(() => {
      beat();
      if (progress.phase === 'loading') noteIfLoaded();
    }, HEARTBEAT_EVERY_MS);
    try {
      const meta = await modelInfo();
      const numCtx = numCtxFor(meta, deps.numCtx);
      // A model without tools still chats (the owner was told at start); sending tools would be a 400.
      const tools = meta.tools ? toolDefinitions(input.tools, input.main ? 'main' : 'group') : [];
      const toolsChars = tools.length ? JSON.stringify(tools).length : 0;
      let fitted = fitToContext(input.messages, toolsChars, numCtx, estimate);
      if (!fitted.ok && !estimate.calibrated) fitted = leastPrompt(input.messages, toolsChars, numCtx, estimate);
      if (!fitted.ok) {
        throw ApplicationFailure.nonRetryable(
          `This conversation does not fit the model's context: the system prompt, the tools and the newest message need about ` +
            `${fitted.neededTokens} tokens, and num_ctx ${numCtx} leaves ${fitted.budget} for them. ` +
            'Raise OLLAMA_NUM_CTX, shorten MEMORY.md, or send a shorter message.',
          'ContextTooSmall',
        );
      }
      if (fitted.dropped > 0) {
        deps.log.info({ model: deps.model, dropped: fitted.dropped, numCtx }, 'left the oldest messages out to fit the context');
      }
      progress.numCtx = numCtx;
      progress.estimatedPromptTokens = fitted.estimatedTokens;
      noteIfLoaded();
      beat();

      const withPhotos = await Promise.all(fitted.messages.map((m) => withImages(m, meta.vision, deps.images)));
      const request = {
        model: deps.model,
        messages: withPhotos.map((m) => forModel(m, meta)),
        ...(tools.length ? { tools } : {}),
        stream: true as const,
        // Never send `think` to a model without the capability: Ollama answers 400.
        ...(meta.thinking ? { think: deps.think !== 'off' } : {}),
        ...(deps.keepAlive !== undefined ? { keep_alive: keepAliveValue(deps.keepAlive) } : {}),
        options: runnerOptions(numCtx, deps.numThread),
        // Refuse rather than cut: with these Ollama answers an error instead of silently
        // dropping the prompt's start or shifting the window while it writes.
        truncate: false,
        shift: false,
      } satisfies ChatRequest & { truncate: boolean; shift: boolean };
      const stream = await ollama.chat(request);
      const firstTokenMs = performance.now() - began;
      progress.phase = 'writing';
      let content = '';
      let thinking = '';
      const calls: ToolCall[] = [];
      let final: Partial<ChatResponse> = {};
      for await (const part of stream) {
        content += part.message.content ?? '';
        thinking += part.message.thinking ?? '';
        if (part.message.content) progress.tokens++;
        if (part.message.thinking) progress.thinkingTokens++;
        for (const call of part.message.tool_calls ?? []) {
          calls.push({ function: { name: String(call.function.name), arguments: call.function.arguments ?? {} } });
        }
        if (part.done) final = part;
        beat();
      }
      const split = splitThinking(content);
      thinking += split.thinking;
      const promptTokens = final.prompt_eval_count ?? 0;
      // A photo counts as tokens in Ollama's count but as no characters here: such a step would skew the estimate.
      if (promptTokens > 0 && !withPhotos.some((m) => m.images?.length)) estimate.calibrate(fitted.chars, fitted.messages.length, promptTokens);
      const evalMs = (final.eval_duration ?? 0) / 1e6;
      const stats: ModelStepStats = {
        numCtx,
        promptTokens,
        estimatedPromptTokens: fitted.estimatedTokens,
        trimmedMessages: fitted.dropped,
        evalTokens: final.eval_count ?? 0,
        loadMs: Math.round((final.load_duration ?? 0) / 1e6),
        promptMs: Math.round((final.prompt_eval_duration ?? 0) / 1e6),
        evalMs: Math.round(evalMs),
        firstTokenMs: Math.round(firstTokenMs),
        tokensPerSecond: evalMs > 0 ? Math.round(((final.eval_count ?? 0) / evalMs) * 10_000) / 10 : 0,
        doneReason: final.done_reason ?? '',
        toolsOffered: tools.length > 0,
      };
      if (stats.doneReason === 'length') {
        deps.log.warn({ model: deps.model, numCtx }, 'the answer filled the context window and stopped; raise OLLAMA_NUM_CTX');
      }
      // No tool_calls from Ollama: a model that can call tools may have written its calls into the text.
      const fromContent = calls.length === 0 && meta.tools ? recogniseContentCalls(split.content, input.tools) : undefined;
      if (fromContent) {
        deps.log.info({ model: deps.model, form: fromContent.form, calls: fromContent.calls.length }, 'read tool calls from the answer text');
      }
      const read = readReplyCall(fromContent?.calls ?? calls, input.tools);
      const bounded = boundToolCalls('answer' in read ? [] : read.calls);
      const said = 'answer' in read ? read.answer : fromContent ? fromContent.before : split.content;
      return {
        content: capText(withoutTemplateTags(said), CONTENT_LIMIT),
        toolCalls: bounded.calls,
        model: deps.model,
        modelMs: (final.total_duration ?? 0) / 1e6,
        ...(bounded.dropped ? { toolCallsDropped: bounded.dropped } : {}),
        ...(fromContent ? { callsFromContent: fromContent.form } : {}),
        ...('answer' in read ? { answeredByReplyCall: true } : {}),
        ...(thinking ? { thinking: capText(thinking, THINKING_LIMIT) } : {}),
        stats,
      };
    } catch (error) {
      // A cancelled step reports the cancellation itself, not the abort it caused.
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
      throw classify(error, deps, () => (info = undefined), estimate);
    } finally {
      clearInterval(ticker);
    }
  }

  return {
    chat,

    /** The pull step: its own long timeout, heartbeats with the progress; the model is named. */
    async pullModel(input: PullModelInput): Promise<{ model: string; ms: number }> {
      if (input.model !== deps.model) {
        throw ApplicationFailure.nonRetryable(`This worker pulls only its configured model ${deps.model}, not ${input.model}.`, 'ModelRequestRejected');
      }
      const context = Context.current();
      const began = performance.now();
      let last: PullProgress = { model: deps.model, status: 'starting', completedBytes: 0, totalBytes: 0 };
      const ticker = setInterval(() => context.heartbeat(last), HEARTBEAT_EVERY_MS);
      let logged = -1;
      deps.log.info({ model: deps.model }, 'pulling the model (first use)');
      try {
        await pullModel(ollamaClient(deps.ollamaHost, deps.dispatcher, context.cancellationSignal), deps.ollamaHost, deps.model, (p) => {
          last = p;
          context.heartbeat(p);
          const tenth = Math.floor((p.percent ?? 0) / 10);
          if (tenth !== logged) {
            deps.log.info({ model: deps.model, status: p.status, percent: p.percent }, 'pulling the model');
            logged = tenth;
          }
        });
      } catch (error) {
        if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
        throw error;
      } finally {
        clearInterval(ticker);
      }
      info = undefined;
      return { model: deps.model, ms: Math.round(performance.now() - began) };
    },
  };
}

async function isLoaded(ollama: Ollama, model: string): Promise<boolean> {
  try {
    const wanted = model.includes(':') ? model : `${model}:latest`;
    return (await ollama.ps()).models.some((m) => m.name === wanted || m.model === wanted || m.name === model);
  } catch {
    return false;
  }
}

/** A message as the model receives it; images go only to a model that can see them. */
function forModel(message: ChatMessage & { images?: string[] }, meta: ModelInfo): ChatMessage & { images?: string[] } {
  if (!message.images?.length || meta.vision) return message;
  const { images, ...rest } = message;
  return { ...rest, content: `${rest.content}\n[${images.length} image(s) left out: the model ${meta.model} cannot see images]` };
}

/** Older Ollama versions and some templates leave `<think>…</think>` in the content. */
function splitThinking(content: string): { content: string; thinking: string } {
  const match = /^\s*<think>([\s\S]*?)<\/think>\s*/.exec(content);
  return match ? { content: content.slice(match[0].length), thinking: match[1].trim() } : { content, thinking: '' };
}

/** Bounds what one step writes into the history: calls per step, arguments per call. */
export function boundToolCalls(calls: ToolCall[]): { calls: ToolCall[]; dropped: number } {
  const kept = calls.slice(0, MAX_TOOL_CALLS_PER_STEP).map((call): ToolCall => {
    const name = call.function.name.slice(0, 100);
    const size = JSON.stringify(call.function.arguments).length;
    if (size <= MAX_TOOL_ARGUMENTS_CHARS) return { ...call, function: { name, arguments: call.function.arguments } };
    return {
      ...call,
      function: { name, arguments: {} },
      rejected: `the arguments of this call were ${size} characters, over the limit of ${MAX_TOOL_ARGUMENTS_CHARS}; not run. Call it again with shorter arguments (write long content in several steps).`,
    };
  });
  return { calls: kept, dropped: Math.max(0, calls.length - MAX_TOOL_CALLS_PER_STEP) };
}

function capText(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}\n[… ${text.length - limit} more characters cut]`;
}

/** Maps what Ollama or the network said to an error that tells Temporal whether to retry. */
function classify(error: unknown, deps: ModelDeps, forgetInfo: () => void, estimate: TokenEstimate): Error {
  if (error instanceof ApplicationFailure) return error;
  const status = ollamaStatus(error);
  const message = (error as Error).message ?? String(error);
  const silence = silenceCode(error);
  if (silence) {
    // The agent gave up on a silent Ollama (OLLAMA_HTTP_TIMEOUT); the socket is closed, so Ollama stopped too.
    const where = silence === 'UND_ERR_HEADERS_TIMEOUT' ? 'before its first token' : 'in the middle of its answer';
    return ApplicationFailure.retryable(
      `Ollama at ${deps.ollamaHost} sent nothing for longer than OLLAMA_HTTP_TIMEOUT ${where}. ` +
        'Raise OLLAMA_HTTP_TIMEOUT or set it to off (then MODEL_TIMEOUT bounds the step).',
      'ModelSilent',
    );
  }
  if (isUnreachable(error)) {
    // No HTTP answer at all: Ollama is down or unreachable. Retrying can help.
    return ApplicationFailure.retryable(
      `Ollama is not reachable at ${deps.ollamaHost} (${message}). Start it with \`ollama serve\`, or set OLLAMA_HOST.`,
      'ModelUnreachable',
    );
  }
  if (status === 404 && /not found|pull/i.test(message)) {
    if (deps.pullMissing) {
      // The turn runs the pull as a step of its own (long timeout), then asks again.
      return ApplicationFailure.create({
        message: `The model ${deps.model} is not pulled yet (${message}); pulling it.`,
        type: 'ModelNotPulled',
        nonRetryable: true,
        details: [{ model: deps.model }],
      });
    }
    return ApplicationFailure.nonRetryable(
      `The model ${deps.model} is not available in Ollama (${message}). Pull it with \`ollama pull ${deps.model}\` ` +
        'or `babybot doctor --pull`, import a GGUF file you have (`babybot model import FILE`), or set OLLAMA_MODEL to a model you have.',
      'ModelNotAvailable',
    );
  }
  if (/does not support (tools|thinking)/i.test(message)) {
    // The model changed under us (`ollama create`): read its capabilities again and retry.
    forgetInfo();
    return ApplicationFailure.retryable(`Ollama says ${message}; reading the model's capabilities again.`, 'ModelCapabilitiesChanged');
  }
  if (/exceeds the context length/i.test(message)) {
    // The estimate was too hopeful for this tokenizer: trim harder on the next attempt.
    estimate.charsPerToken = Math.max(1, estimate.charsPerToken * 0.7);
    estimate.calibrated = true;
    return ApplicationFailure.retryable(`Ollama refused a prompt longer than num_ctx (${message}); trimming more.`, 'ContextOverflow');
  }
  if (status !== undefined && status >= 500) {
    return ApplicationFailure.retryable(`Ollama answered ${status}: ${message}`, 'ModelServerError');
  }
  if (status === undefined) {
    // An error line inside a stream that had started: Ollama's own failure mid-answer.
    return ApplicationFailure.retryable(`Ollama failed while answering: ${message}`, 'ModelServerError');
  }
  return ApplicationFailure.nonRetryable(`Ollama rejected the request (${status}): ${message}`, 'ModelRequestRejected');
}

/** What every turn's prompt begins with: the shared system prompt and the tools every group is offered. */
export interface SharedPrefix {
  system: string;
  tools: ReturnType<typeof toolDefinitions>;
}

/**
 * For `babybot start`: load the model now, so the first message does not wait for it. It is
 * loaded with the steps' num_ctx and num_thread: with others the first step would load it again.
 * Given the shared prefix, it also reads it (one token written), so the first turn of any
 * group finds the system prompt and the tools in Ollama's cache and reads only its own part.
 */
export async function warmUpModel(
  deps: Pick<ModelDeps, 'ollamaHost' | 'dispatcher' | 'model' | 'keepAlive' | 'numThread'> & { numCtx: number },
  signal?: AbortSignal,
  prefix?: SharedPrefix,
): Promise<number> {
  const began = performance.now();
  const ollama = ollamaClient(deps.ollamaHost, deps.dispatcher, signal);
  const keepAlive = deps.keepAlive !== undefined ? { keep_alive: keepAliveValue(deps.keepAlive) } : {};
  if (prefix) {
    await ollama.chat({
      model: deps.model,
      messages: [{ role: 'system', content: prefix.system }],
      ...(prefix.tools.length ? { tools: prefix.tools } : {}),
      options: { ...runnerOptions(deps.numCtx, deps.numThread), num_predict: 1 },
      ...keepAlive,
    });
  } else {
    // An empty chat is Ollama's documented way to load a model without asking anything.
    await ollama.chat({ model: deps.model, messages: [], options: runnerOptions(deps.numCtx, deps.numThread), ...keepAlive });
  }
  return performance.now() - began;
}
