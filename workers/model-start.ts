// What a process that talks to the model does when it starts: read the model's
// capabilities from Ollama (logged, and the owner told once when tools are off), then,
// unless OLLAMA_WARMUP=off, load the model and read the prompt prefix every turn shares, so
// the first message waits neither for a load nor for the system prompt and tools. A model
// that is not there yet is pulled first (unless OLLAMA_PULL=off), its progress shown; where
// it cannot be pulled the owner is told what to do. In the background: BabyBot serves at
// once, whatever Ollama is doing, and messages wait stored.
import { setTimeout as sleep } from 'node:timers/promises';
import { warmUpModel } from '../activities/model.js';
import { systemPrompt } from '../activities/turn-context.js';
import { toolDefinitions, toolsFor } from '../contracts/tools/index.js';
import { promptSettings } from './prompt-settings.js';
import { describeModel, noToolsNotice, numCtxFor, readModelInfo } from '../activities/model-info.js';
import { ollamaAgent, ollamaClient, ollamaStatus } from '../activities/ollama-client.js';
import { pullModel, type PullProgress } from '../activities/model-pull.js';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';

export interface ModelStartOptions {
  /** Tell the owner (the main chat) once; the key makes a repeat at the next start a no-op. */
  tellOwner?: (key: string, text: string) => Promise<unknown>;
  /** Load the model now (the process serves the model queue). */
  warmUp: boolean;
  signal: AbortSignal;
  /** Pull a missing model now, reporting its progress here (the process serves the model queue). */
  pullProgress?: (p: PullProgress) => void;
}

export async function prepareModel(config: Config, log: Logger, options: ModelStartOptions): Promise<void> {
  const model = config.OLLAMA_MODEL;
  const dispatcher = ollamaAgent(config.OLLAMA_HTTP_TIMEOUT);
  const read = () => readModelInfo(ollamaClient(config.OLLAMA_HOST, dispatcher, AbortSignal.any([options.signal, AbortSignal.timeout(30_000)])), model);
  let info;
  try {
    info = await read().catch(async (error: unknown) => {
      if (ollamaStatus(error) !== 404 || config.OLLAMA_PULL === 'off' || !options.pullProgress || options.signal.aborted) throw error;
      await pullAtStart(config, log, options, dispatcher);
      return read();
    });
  } catch (error) {
    if (options.signal.aborted) return;
    log.warn({ model, err: (error as Error).message }, 'could not read the model from Ollama; `babybot doctor` says what to fix');
    return;
  }
  const numCtx = numCtxFor(info, config.OLLAMA_NUM_CTX);
  log.info({ model, capabilities: info.capabilities, numCtx }, `model ${model}: ${describeModel(info, numCtx)}`);
  if (!info.tools) {
    log.warn({ model }, noToolsNotice(model));
    await options.tellOwner?.(`notice:model-without-tools:${model}`, noToolsNotice(model)).catch((error: unknown) =>
      log.warn({ err: (error as Error).message }, 'could not tell the owner that tools are off'),
    );
  }
  if (!options.warmUp || config.OLLAMA_WARMUP === 'off') return;
  try {
    // The prefix every group's turn begins with: the group tools, which main's list starts with too.
    const prefix = { system: systemPrompt(promptSettings(config)), tools: info.tools ? toolDefinitions(toolsFor(false, false), 'group') : [] };
    const ms = await warmUpModel(
      { ollamaHost: config.OLLAMA_HOST, dispatcher, model, keepAlive: config.OLLAMA_KEEP_ALIVE, numCtx, numThread: config.OLLAMA_NUM_THREAD },
      options.signal,
      prefix,
    );
    log.info({ model, ms: Math.round(ms) }, 'model loaded and the shared prompt prefix read (warm-up)');
  } catch (error) {
    if (!options.signal.aborted) log.warn({ model, err: (error as Error).message }, 'warm-up failed; the first message loads the model');
  }
}

/** A download cut off midway resumes (Ollama keeps what it has): a few attempts before the owner is told. */
const PULL_ATTEMPTS = 3;

/** Pulls the missing model with its progress shown; where it cannot, logs and tells the owner what to do, then throws. */
async function pullAtStart(config: Config, log: Logger, options: ModelStartOptions, dispatcher: ReturnType<typeof ollamaAgent>): Promise<void> {
  const model = config.OLLAMA_MODEL;
  for (let attempt = 1; ; attempt++) {
    try {
      await pullModel(ollamaClient(config.OLLAMA_HOST, dispatcher, options.signal), config.OLLAMA_HOST, model, (p) => options.pullProgress?.(p));
      log.info({ model }, 'model pulled');
      return;
    } catch (error) {
      if (options.signal.aborted) throw error;
      const interrupted = (error as { type?: string }).type === 'ModelPullInterrupted';
      if (interrupted && attempt < PULL_ATTEMPTS) {
        log.warn({ model, attempt }, `${(error as Error).message} Trying again in 5 s.`);
        await sleep(5000, undefined, { signal: options.signal });
        continue;
      }
      const message = interrupted
        ? `Pulling the model ${model} stopped midway ${attempt} times (${(error as Error).message}). What was downloaded is kept: ` +
          `the next message, \`babybot doctor --pull\` or the next start resumes it. Without a good connection, import a GGUF file you have: \`babybot model import FILE\`.`
        : (error as Error).message;
      log.warn({ model }, message);
      await options.tellOwner?.(`notice:model-not-available:${model}`, message).catch(() => {});
      throw error;
    }
  }
}
