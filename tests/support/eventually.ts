// The one way a test waits: ask again until the answer is there. A probe returns what it
// waited for, or undefined/false/null while it is not there yet; an error it throws is a
// failure, not a "not yet" (a probe that may fail while things start says so itself).
export interface EventuallyOptions {
  timeoutMs: number;
  /** What is awaited, in words: the timeout's message names it (a function can add what was seen instead). */
  what: string | (() => string);
  /** Pause between probes. */
  intervalMs?: number;
}

type Awaited<T> = Exclude<T, undefined | null | false>;

export async function eventually<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs, what, intervalMs = 50 }: EventuallyOptions,
): Promise<Awaited<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value as Awaited<T>;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
