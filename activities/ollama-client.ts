// The one way BabyBot reaches Ollama: the ollama-js client, with every request bound to a
// signal (an activity's cancellation, a time limit), so a step Temporal gave up on also
// stops the work inside Ollama instead of holding its one slot for minutes.
import { Ollama } from 'ollama';

export function ollamaClient(host: string, signal?: AbortSignal): Ollama {
  return new Ollama({
    host,
    fetch: (input, init = {}) => {
      const signals = [init.signal, signal].filter((s): s is AbortSignal => Boolean(s));
      return fetch(input, { ...init, signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0] });
    },
  });
}

/** An HTTP status from Ollama, when the error carries one (ollama-js' ResponseError). */
export function ollamaStatus(error: unknown): number | undefined {
  return (error as { status_code?: number }).status_code;
}

/**
 * True when the error is the network's (no HTTP answer at all: refused, reset, DNS), not an
 * answer from Ollama. An error inside a stream that had started is Ollama's own.
 */
export function isUnreachable(error: unknown): boolean {
  if (ollamaStatus(error) !== undefined) return false;
  const e = error as { name?: string; message?: string; cause?: { code?: string } };
  return e.name === 'TypeError' || Boolean(e.cause?.code) || /fetch failed|ECONNREFUSED|ECONNRESET|socket/i.test(e.message ?? '');
}
