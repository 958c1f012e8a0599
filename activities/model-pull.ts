// Pulling a model is a step of its own, never hidden inside a chat step's 5-minute limit:
// a multi-gigabyte download gets its own long timeout and heartbeats with its progress.
// `babybot doctor --pull` uses the same function for its progress bar.
import { ApplicationFailure } from '@temporalio/common';
import type { Ollama } from 'ollama';
import { isUnreachable } from './ollama-client.js';

export interface PullProgress {
  model: string;
  status: string;
  completedBytes: number;
  totalBytes: number;
  /** Of the layer being downloaded, when Ollama says its size. */
  percent?: number;
}

/** Pulls `model` through Ollama, reporting each progress line; throws a typed failure. */
export async function pullModel(ollama: Ollama, host: string, model: string, onProgress: (p: PullProgress) => void): Promise<void> {
  let downloaded = false;
  try {
    for await (const part of await ollama.pull({ model, stream: true })) {
      const totalBytes = part.total ?? 0;
      const completedBytes = part.completed ?? 0;
      if (completedBytes > 0) downloaded = true;
      onProgress({
        model,
        status: part.status,
        completedBytes,
        totalBytes,
        ...(totalBytes > 0 ? { percent: Math.floor((completedBytes / totalBytes) * 100) } : {}),
      });
    }
  } catch (error) {
    throw pullFailure(error, host, model, downloaded);
  }
}

/**
 * Which pull failures a retry can help: a download cut off midway resumes (Ollama keeps the
 * partial blobs); a registry that cannot be reached at all, or a name it does not know,
 * fails at once with what to do.
 */
export function pullFailure(error: unknown, host: string, model: string, downloaded: boolean): ApplicationFailure {
  const message = (error as Error).message ?? String(error);
  if (isUnreachable(error)) {
    return ApplicationFailure.retryable(`Ollama is not reachable at ${host} (${message}). Start it with \`ollama serve\`, or set OLLAMA_HOST.`, 'ModelUnreachable');
  }
  if (downloaded) {
    return ApplicationFailure.retryable(`Pulling ${model} stopped midway (${message}); it resumes on the next attempt.`, 'ModelPullInterrupted');
  }
  const offline = /dial tcp|lookup|no such host|network is unreachable|connection refused|i\/o timeout|TLS handshake|tls:/i.test(message);
  // What to do first: the notice a person reads shows only its first 300 characters.
  return ApplicationFailure.nonRetryable(
    `The model ${model} is not available in Ollama, and ` +
      (offline
        ? 'this machine looks offline: Ollama could not reach the model registry to pull it. ' +
          `Use a GGUF file you have: \`babybot model import FILE\` creates ${model} from it; or set OLLAMA_MODEL to a model you have (\`ollama list\`). `
        : 'Ollama could not pull it. ' +
          `Pull it where there is internet access (\`ollama pull ${model}\`), import a GGUF file you have (\`babybot model import FILE\`), ` +
          'or set OLLAMA_MODEL to a model you have (`ollama list`). ') +
      `Ollama said: ${message}`,
    'ModelNotAvailable',
  );
}
