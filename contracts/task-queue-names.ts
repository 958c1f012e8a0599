// The task queues BabyBot's work is split across. Each is polled by a worker with its own
// concurrency limit, so a slow model or a busy sandbox never starves the others.
//   workflows: workflow tasks only (the decisions; cheap, deterministic)
//   channel:   the store, memory files, host tools and delivery; only the process that
//              holds the store and the WhatsApp socket polls it
//   model:     Ollama calls (few at once: a local model serves a handful of requests)
//   sandbox:   steps inside the groups' containers
//   media:     voice-note transcription (CPU-heavy, local whisper.cpp: one or two at once)
export const QUEUE_NAMES = ['workflows', 'channel', 'model', 'sandbox', 'media'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];
export type TaskQueues = Record<QueueName, string>;

export function taskQueues(prefix: string): TaskQueues {
  return {
    workflows: `${prefix}-workflows`,
    channel: `${prefix}-channel`,
    model: `${prefix}-model`,
    sandbox: `${prefix}-sandbox`,
    media: `${prefix}-media`,
  };
}

/** A workflow finds its sibling queues from the queue it runs on, so no input has to carry them. */
export function queuesOf(workflowTaskQueue: string): TaskQueues {
  return taskQueues(workflowTaskQueue.replace(/-workflows$/, ''));
}
