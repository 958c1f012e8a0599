// The one way BabyBot reaches Ollama: the ollama-js client over undici with a dispatcher
// handed in, and every request bound to a signal (an activity's cancellation, a time
// limit), so a step Temporal gave up on also stops the work inside Ollama instead of
// holding its one slot for minutes.
import { Ollama } from 'ollama';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';

/**
 * The HTTP agent for Ollama. Ollama writes no headers until the first token, which a 7B model
 * on a CPU with a long prompt reaches after more than Node fetch's fixed 300 s headers
 * timeout; Temporal's heartbeat and start-to-close timeouts are what bound a step, so by
 * default (0, OLLAMA_HTTP_TIMEOUT=off) undici waits as long as they let it.
 */
export function ollamaAgent(timeoutMs: number): Agent {
  return new Agent({ headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
}

export function ollamaClient(host: string, dispatcher: Dispatcher, signal?: AbortSignal): Ollama {
  const boundFetch = (input: string | URL | Request, init: RequestInit = {}) => {
    const signals = [init.signal, signal].filter((s): s is AbortSignal => Boolean(s));
    const bound = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    // undici's own fetch, so the dispatcher is the package's (Node's bundled fetch may be another undici).
    return undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), signal: bound, dispatcher });
  };
  return new Ollama({ host, fetch: boundFetch as unknown as typeof fetch });
}

/** An HTTP status from Ollama, when the error carries one (ollama-js' ResponseError). */
export function ollamaStatus(error: unknown): number | undefined {
  return (error as { status_code?: number }).status_code;
}

/** undici's code for Ollama staying silent past OLLAMA_HTTP_TIMEOUT: before its headers, or between two pieces. */
export function silenceCode(error: unknown): 'UND_ERR_HEADERS_TIMEOUT' | 'UND_ERR_BODY_TIMEOUT' | undefined {
  for (let e = error as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') return e.code;
  }
  return undefined;
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
