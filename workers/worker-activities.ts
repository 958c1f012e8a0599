// The activities of the queues that need no store: the model (Ollama) and the sandbox
// (containers). `babybot start` and `babybot worker` build them here, the same way, and
// only for the queues the process serves, so a channel-only process never touches Ollama
// or the container runtime.
import { createMediaActivities } from '../activities/media/transcribe.js';
import { createModelActivities } from '../activities/model.js';
import { ollamaAgent } from '../activities/ollama-client.js';
import { createSandboxActivities } from '../activities/sandbox.js';
import type { SandboxRuntime } from '../container/runtime/types.js';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import type { QueueName } from '../contracts/task-queue-names.js';
import type { WorkerSetOptions } from './worker-set.js';

export type StorelessQueue = 'model' | 'sandbox' | 'media';

export function createWorkerActivities(
  config: Config,
  log: Logger,
  serve: readonly QueueName[],
  // The process that owns the runtime's lifecycle (reaper, close) passes it in when it
  // serves the sandbox queue (without it, WorkerSet refuses that queue).
  sandboxRuntime?: SandboxRuntime,
): Pick<WorkerSetOptions['activities'], StorelessQueue> {
  return {
    ...(serve.includes('model')
      ? {
          model: createModelActivities({
            images: { groupsDir: config.groupsDir, maxFileBytes: config.MEDIA_MAX_BYTES },
            ollamaHost: config.OLLAMA_HOST,
            dispatcher: ollamaAgent(config.OLLAMA_HTTP_TIMEOUT),
            model: config.OLLAMA_MODEL,
            pullMissing: config.OLLAMA_PULL !== 'off',
            numCtx: config.OLLAMA_NUM_CTX,
            numThread: config.OLLAMA_NUM_THREAD,
            keepAlive: config.OLLAMA_KEEP_ALIVE,
            think: config.OLLAMA_THINK,
            log,
          }),
        }
      : {}),
    // Transcription reads the voice note from GROUPS_DIR: a media worker needs the groups' folder.
    ...(serve.includes('media')
      ? {
          media: createMediaActivities({
            groupsDir: config.groupsDir,
            whisperModel: config.WHISPER_MODEL,
            threads: config.WHISPER_THREADS,
            maxBytes: config.MEDIA_MAX_BYTES,
            maxSeconds: config.VOICE_MAX_SECONDS,
            log,
          }),
        }
      : {}),
    ...(serve.includes('sandbox') && sandboxRuntime
      ? {
          sandbox: createSandboxActivities({
            runtime: sandboxRuntime,
            stepTimeoutMs: config.SANDBOX_STEP_TIMEOUT,
            outputLimit: config.SANDBOX_OUTPUT_LIMIT,
          }),
        }
      : {}),
  };
}

/** The concurrency limit of each activity queue: per worker process, so they add up across processes. */
export function queueConcurrency(config: Config): WorkerSetOptions['concurrency'] {
  return {
    channel: config.MAX_CONCURRENT_CHANNEL_ACTIVITIES,
    model: config.MAX_CONCURRENT_MODEL_CALLS,
    sandbox: config.MAX_CONCURRENT_SANDBOXES,
    media: config.MAX_CONCURRENT_MEDIA,
  };
}
