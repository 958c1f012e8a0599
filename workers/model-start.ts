// What a process that talks to the model does when it starts: read the model's
// capabilities from Ollama (logged, and the owner told once when tools are off), then,
// unless OLLAMA_WARMUP=off, load the model and read the prompt prefix every turn shares, so
// the first message waits neither for a load nor for the system prompt and tools. In the
// background: BabyBot serves at once, whatever Ollama is doing.
import { warmUpModel } from '../activities/model.js';
import { systemPrompt } from '../activities/turn-context.js';
import { toolDefinitions, toolsFor } from '../contracts/tools/index.js';
import { promptSettings } from './prompt-settings.js';
import { describeModel, noToolsNotice, numCtxFor, readModelInfo } from '../activities/model-info.js';
import { ollamaAgent, ollamaClient } from '../activities/ollama-client.js';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';

export interface ModelStartOptions {
  /** Tell the owner (the main chat) once; the key makes a repeat at the next start a no-op. */
  tellOwner?: (key: string, text: string) => Promise<unknown>;
  /** Load the model now (the process serves the model queue). */
  warmUp: boolean;
  signal: AbortSignal;
}

export async function prepareModel(config: Config, log: Logger, options: ModelStartOptions): Promise<void> {
  const model = config.OLLAMA_MODEL;
  const dispatcher = ollamaAgent(config.OLLAMA_HTTP_TIMEOUT);
  let info;
  try {
    info = await readModelInfo(ollamaClient(config.OLLAMA_HOST, dispatcher, AbortSignal.any([options.signal, AbortSignal.timeout(30_000)])), model);
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
    const prefix = { system: systemPrompt(promptSettings(config)), tools: info.tools ? toolDefinitions(toolsFor(false), 'group') : [] };
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
