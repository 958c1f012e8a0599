// The model step: one call to Ollama's /api/chat with the tools, streamed so the activity
// heartbeats while the model thinks. Timeouts and retries are Temporal's: this code only
// says which failures a retry can help (Ollama down, 5xx) and which it cannot (4xx).
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Ollama } from 'ollama';
import type { Logger } from '../lib/logger.js';
import { toolDefinitions } from '../workflows/tools/index.js';
import type { ModelChatInput, ModelReply, ToolCall } from '../workflows/types.js';

const HEARTBEAT_EVERY_MS = 2000;

export interface ModelDeps {
  ollamaHost: string;
  model: string;
  /** Pull the model when Ollama says it is missing (OLLAMA_PULL), instead of failing the turn. */
  pullMissing: boolean;
  log: Logger;
}

export type ModelActivities = ReturnType<typeof createModelActivities>;

export function createModelActivities(deps: ModelDeps) {
  const ollama = new Ollama({ host: deps.ollamaHost });

  async function chatOnce(input: ModelChatInput): Promise<ModelReply> {
    const context = Context.current();
    const stream = await ollama.chat({
      model: deps.model,
      messages: input.messages,
      tools: toolDefinitions(input.tools),
      stream: true,
    });
    const onCancel = () => stream.abort();
    context.cancellationSignal.addEventListener('abort', onCancel);
    // A model may think for a long time before its first token; heartbeat on a timer too,
    // so a short heartbeat timeout tells a dead worker from a slow model.
    let characters = 0;
    const ticker = setInterval(() => context.heartbeat({ characters }), HEARTBEAT_EVERY_MS);
    try {
      let content = '';
      const toolCalls: ToolCall[] = [];
      let modelMs = 0;
      for await (const part of stream) {
        content += part.message.content ?? '';
        for (const call of part.message.tool_calls ?? []) {
          toolCalls.push({ function: { name: call.function.name, arguments: call.function.arguments ?? {} } });
        }
        if (part.done) modelMs = (part.total_duration ?? 0) / 1e6;
        characters = content.length;
        context.heartbeat({ characters });
      }
      return { content, toolCalls, model: deps.model, modelMs };
    } finally {
      clearInterval(ticker);
      context.cancellationSignal.removeEventListener('abort', onCancel);
    }
  }

  async function pull(): Promise<void> {
    const context = Context.current();
    deps.log.info({ model: deps.model }, 'pulling the model (first use)');
    let lastPercent = -1;
    for await (const progress of await ollama.pull({ model: deps.model, stream: true })) {
      const percent = progress.total ? Math.floor((progress.completed / progress.total) * 100) : 0;
      if (percent !== lastPercent && percent % 10 === 0) {
        deps.log.info({ model: deps.model, status: progress.status, percent }, 'pulling the model');
        lastPercent = percent;
      }
      context.heartbeat({ pulling: deps.model, status: progress.status, percent });
    }
  }

  return {
    async chat(input: ModelChatInput): Promise<ModelReply> {
      try {
        return await chatOnce(input);
      } catch (error) {
        const failure = classify(error, deps);
        if (failure.kind === 'missing-model' && deps.pullMissing) {
          await pull().catch((pullError: unknown) => {
            throw classify(pullError, deps).failure;
          });
          return await chatOnce(input).catch((retryError: unknown) => {
            throw classify(retryError, deps).failure;
          });
        }
        throw failure.failure;
      }
    },
  };
}

type Classified = { kind: 'missing-model' | 'other'; failure: Error };

/** Maps what Ollama or the network said to an error that tells Temporal whether to retry. */
function classify(error: unknown, deps: ModelDeps): Classified {
  const status = (error as { status_code?: number }).status_code;
  const message = (error as Error).message ?? String(error);
  if (status === undefined) {
    // No HTTP answer at all: Ollama is down or unreachable. Retrying can help.
    return {
      kind: 'other',
      failure: ApplicationFailure.retryable(
        `Ollama is not reachable at ${deps.ollamaHost} (${message}). Start it with \`ollama serve\`, or set OLLAMA_HOST.`,
        'ModelUnreachable',
      ),
    };
  }
  if (status === 404 && /not found|pull/i.test(message)) {
    return {
      kind: 'missing-model',
      failure: ApplicationFailure.nonRetryable(
        `The model ${deps.model} is not available in Ollama (${message}). Pull it with \`ollama pull ${deps.model}\` ` +
          'or `babybot doctor --pull`, or set OLLAMA_MODEL to a model you have.',
        'ModelNotAvailable',
      ),
    };
  }
  if (status >= 500) {
    return { kind: 'other', failure: ApplicationFailure.retryable(`Ollama answered ${status}: ${message}`, 'ModelServerError') };
  }
  return {
    kind: 'other',
    failure: ApplicationFailure.nonRetryable(`Ollama rejected the request (${status}): ${message}`, 'ModelRequestRejected'),
  };
}
